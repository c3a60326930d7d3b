package dev.hako.cgroup;

import dev.hako.cgroup.CgroupLayout.Location;
import dev.hako.linux.Kernel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Cgroups for a JVM without root (see {@link Kernel#rootless()}). Such a JVM may make
 * cgroups only on cgroup v2, in a subtree delegated to its user: systemd's
 * {@code user@UID.service}, or any cgroup directory root has handed over by chowning it and
 * its {@code cgroup.procs}, {@code cgroup.subtree_control} and {@code cgroup.threads}. There
 * its containers get cgroups with every controller delegated (limits and stats of those),
 * and v2's core: pause ({@code cgroup.freeze}), kill-all ({@code cgroup.kill}) and CPU time.
 * On cgroup v1, or v2 without delegation, a container runs without a cgroup, and
 * {@link #check} refuses a limit, saying why and what would make it work.
 *
 * <p>What {@code cgroupParent} means here: a path from the v2 hierarchy's root when that path
 * (or the part of it that exists) is delegated to the user; otherwise a path below the
 * delegated subtree that holds the JVM's own cgroup, so that the default {@code /hako}
 * becomes {@code user@UID.service/hako}. See {@link DelegationFinder} for the search.
 */
public final class RootlessCgroups {
    private RootlessCgroups() {
    }

    /**
     * Where the containers of this JVM get their cgroups; empty when it may make none. For
     * the launcher of a JVM without root: {@code ContainerCgroup.prepare(found.layout(),
     * found.parentPath(), id, limits, null)}.
     *
     * @param cgroupParent the container's cgroupParent, like {@code /hako}
     */
    public static Optional<DelegatedCgroup> find(String cgroupParent) throws IOException {
        return search(cgroupParent).subtree();
    }

    /**
     * Fails when {@code limits} sets a limit that a container of this JVM, which runs without
     * root, cannot get: there is no delegated subtree, or the limit's controller is not
     * delegated to it. For {@code Container.Builder.build()}; touches nothing.
     *
     * @throws IllegalArgumentException naming the option, its controller, why it is not
     *         there for this user, and what would make it work
     * @throws UncheckedIOException if the cgroup files cannot be read
     */
    public static void check(CgroupLimits limits, String cgroupParent) {
        if (limits.isEmpty()) {
            return;
        }
        try {
            problem(limits, search(cgroupParent)).ifPresent(p -> {
                throw new IllegalArgumentException(p);
            });
        } catch (IOException e) {
            throw new UncheckedIOException("looking for a cgroup v2 subtree delegated to this JVM's user failed: "
                    + e.getMessage(), e);
        }
    }

    /** What {@link #find} found, or why it found nothing: for error messages and diagnostics. */
    public static String describe(String cgroupParent) throws IOException {
        DelegationFinder.Search s = search(cgroupParent);
        return s.subtree().map(d -> "containers' cgroups go to " + d.parent() + " (delegated at " + d.root()
                + ") with " + (d.controllers().isEmpty() ? "no controllers" : "the controllers "
                + String.join(" ", new java.util.TreeSet<>(d.controllers()))) + d.blocked().map(b -> " (" + b + ")").orElse(""))
                .orElse("no cgroups: " + s.whyNone());
    }

    private static DelegationFinder.Search search(String cgroupParent) throws IOException {
        return new DelegationFinder(CgroupLayout.detect(), DelegationFinder.Access.SYSTEM)
                .search(Files.readString(Path.of("/proc/self/cgroup")), cgroupParent);
    }

    /** The message {@link #check} throws for the first option {@code search} cannot keep; empty when all can be kept. */
    static Optional<String> problem(CgroupLimits limits, DelegationFinder.Search search) {
        for (LimitOption option : LimitOption.values()) {
            if (!option.isSet(limits)) {
                continue;
            }
            Controller c = option.controller();
            String name = c.v2Name().orElse(c.v1Name());
            if (search.subtree().map(d -> d.controllers().contains(name)).orElse(false)) {
                continue;
            }
            String intro = option.option() + " needs the " + name + " controller, and this JVM runs without root"
                    + " (uid " + Kernel.effectiveUid() + "), so its containers can have cgroups only in a cgroup v2"
                    + " subtree delegated to its user; ";
            String where = search.subtree().map(d -> whyNotDelegated(name, d)).orElse("there is none: "
                    + search.whyNone());
            return Optional.of(intro + where + "; " + onThisMachine(c, name, search.host()) + ". " + remedy(option));
        }
        return Optional.empty();
    }

    private static String whyNotDelegated(String name, DelegatedCgroup d) {
        return d.blocked().map(b -> "the one at " + d.root() + " cannot pass " + name + " down: " + b)
                .orElse("the one at " + d.root() + " offers " + (d.controllers().isEmpty() ? "no controllers"
                        : "only \"" + String.join(" ", new java.util.TreeSet<>(d.controllers())) + "\"") + " in its cgroup.controllers");
    }

    private static String onThisMachine(Controller c, String name, CgroupLayout host) {
        Location at = host.location(c);
        if (at == Location.V1) {
            return "on this machine " + name + " is bound to a cgroup v1 hierarchy (" + host.v1Mount(c).orElseThrow()
                    + "), which only root may use, and a controller on v1 is not on v2 at all";
        }
        if (at == Location.NONE) {
            return "on this machine " + name + " is not on cgroup v2 at all (" + host + ")";
        }
        return "on this machine " + name + " is on cgroup v2 (" + host.unifiedMount().orElseThrow()
                + "), but not passed down to this user's subtree";
    }

    private static String remedy(LimitOption option) {
        return "To limit a rootless container, run the JVM in a cgroup v2 subtree delegated to its user, on a"
                + " machine with the unified hierarchy (systemd.unified_cgroup_hierarchy=1) and the controller"
                + " delegated: under systemd, Delegate=yes (or Delegate=" + option.controller().v2Name()
                .orElse(option.controller().v1Name()) + " ...) for user@.service and the JVM started with"
                + " systemd-run --user --scope; or have root chown a cgroup directory and its cgroup.procs,"
                + " cgroup.subtree_control and cgroup.threads to the user, enable the controller above it, and"
                + " start the JVM in a child cgroup of it. Otherwise run the JVM as root, or leave "
                + option.option() + " unset";
    }
}
