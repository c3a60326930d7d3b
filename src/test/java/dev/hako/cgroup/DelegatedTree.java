package dev.hako.cgroup;

import dev.hako.testing.TestUser;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.UserPrincipal;
import java.util.List;
import java.util.Set;

/**
 * A cgroup v2 subtree handed to a test user, as root delegates one (systemd does the same
 * for {@code user@UID.service}): {@code MOUNT/hako-deleg-it-PID-N} stays root's, and below
 * it {@code user}, the delegated cgroup, and its leaf {@code user/jvm} for the user's JVM
 * are chowned to the user, each with its cgroup.procs, cgroup.subtree_control and
 * cgroup.threads. Where the v2 hierarchy has hugetlb, it is enabled down to {@code user}
 * (on the root cgroup too, put back by {@link #close()} if this enabled it there).
 * {@link #close()} kills whatever is in the subtree and removes every directory.
 */
final class DelegatedTree implements AutoCloseable {
    private static final List<String> DELEGATED_FILES = List.of("cgroup.procs", "cgroup.subtree_control", "cgroup.threads");
    private static int made;

    final Path mount;
    final Path top;
    final Path delegated;
    final Path jvm;
    final boolean hugetlb;
    private boolean enabledAtRoot;

    private DelegatedTree(Path mount, Path top, boolean hugetlb) {
        this.mount = mount;
        this.top = top;
        this.delegated = top.resolve("user");
        this.jvm = delegated.resolve("jvm");
        this.hugetlb = hugetlb;
    }

    /** The tree, delegated to {@code user}; undone on failure. */
    static synchronized DelegatedTree make(TestUser user) throws IOException {
        Path mount = CgroupLayout.detect().unifiedMount().orElseThrow(
                () -> new AssertionError("this machine has no cgroup v2 hierarchy to delegate"));
        boolean hugetlb = DelegationFinder.words(Files.readString(mount.resolve("cgroup.controllers"))).contains("hugetlb");
        DelegatedTree tree = new DelegatedTree(mount, mount.resolve("hako-deleg-it-" + ProcessHandle.current().pid()
                + "-" + made++), hugetlb);
        try {
            tree.build(user);
            return tree;
        } catch (IOException | RuntimeException | Error e) {
            try {
                tree.close();
            } catch (IOException | RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
    }

    private void build(TestUser user) throws IOException {
        if (hugetlb && !DelegationFinder.words(Files.readString(mount.resolve("cgroup.subtree_control"))).contains("hugetlb")) {
            CgroupFiles.write(mount.resolve("cgroup.subtree_control"), "+hugetlb");
            enabledAtRoot = true;
        }
        Files.createDirectory(top);
        if (hugetlb) {
            CgroupFiles.write(top.resolve("cgroup.subtree_control"), "+hugetlb");
        }
        Files.createDirectory(delegated);
        chown(delegated, user);
        Files.createDirectory(jvm);
        chown(jvm, user);
    }

    /** What delegation is: the directory and its three files become the user's. */
    private static void chown(Path dir, TestUser user) throws IOException {
        var lookup = FileSystems.getDefault().getUserPrincipalLookupService();
        UserPrincipal owner = lookup.lookupPrincipalByName(user.name());
        GroupPrincipal group = lookup.lookupPrincipalByGroupName(user.name());
        for (Path p : List.of(dir, dir.resolve(DELEGATED_FILES.get(0)), dir.resolve(DELEGATED_FILES.get(1)),
                dir.resolve(DELEGATED_FILES.get(2)))) {
            PosixFileAttributeView view = Files.getFileAttributeView(p, PosixFileAttributeView.class,
                    LinkOption.NOFOLLOW_LINKS);
            view.setOwner(owner);
            view.setGroup(group);
        }
    }

    /** Puts process {@code pid} (a JVM of the user, running as root's child) into {@code cgroup}. */
    static void move(long pid, Path cgroup) throws IOException {
        CgroupFiles.write(cgroup.resolve("cgroup.procs"), Long.toString(pid));
    }

    /** Kills what is in the subtree (cgroup.kill), removes it deepest first, and hugetlb at the root if this enabled it. */
    @Override
    public void close() throws IOException {
        IOException failure = null;
        if (Files.isDirectory(top)) {
            new V2Killer(top).killAll();
            for (Path dir : CgroupTree.subtree(top)) {
                try {
                    Files.delete(dir);
                } catch (IOException e) {
                    failure = failure == null ? e : failure;
                }
            }
        }
        if (enabledAtRoot) {
            try {
                CgroupFiles.write(mount.resolve("cgroup.subtree_control"), "-hugetlb");
            } catch (IOException e) {
                // Busy: another test's cgroup below the root has enabled it meanwhile, and keeps it.
                if (!CgroupFiles.reason(e).contains("busy")) {
                    failure = failure == null ? e : failure;
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
        if (Files.exists(top)) {
            throw new IOException("delegated test cgroup " + top + " is still there");
        }
    }

    static Set<String> words(Path file) throws IOException {
        return DelegationFinder.words(Files.readString(file));
    }
}
