package dev.hako.cgroup;

import dev.hako.linux.FileCalls;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.foreign.Arena;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Runs in a child JVM as a throwaway user (see {@link RootlessCgroupsIT}) and prints what
 * it saw as {@code key=value} lines. It waits for a line on stdin first, so that the test
 * can put it into its cgroup before it looks. Any failure is an exception: a non-zero exit.
 *
 * <p>{@code none}: detection and the limit check without a delegated subtree.
 * {@code container ID}: a container's cgroup in the delegated subtree, from creation to
 * removal, with a process cloned into it as the launcher clones one.
 */
public final class DelegationProbe {
    private DelegationProbe() {
    }

    public static void main(String[] args) throws Exception {
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
        System.out.println("cgroup=" + Files.readString(Path.of("/proc/self/cgroup")).lines()
                .filter(l -> l.startsWith("0::")).findFirst().orElse("?"));
        Optional<DelegatedCgroup> found = RootlessCgroups.find("/hako");
        System.out.println("describe=" + RootlessCgroups.describe("/hako"));
        System.out.println("pidsCheck=" + checkMessage(CgroupLimits.builder().pidsLimit(10).build()));
        System.out.println("noLimitsCheck=" + checkMessage(CgroupLimits.NONE));
        if (args[0].equals("none")) {
            System.out.println("found=" + found.isPresent());
            return;
        }
        DelegatedCgroup d = found.orElseThrow(() -> new AssertionError("no delegated subtree found"));
        System.out.println("root=" + d.root());
        System.out.println("parent=" + d.parent());
        System.out.println("controllers=" + String.join(" ", d.controllers()));
        System.out.println("blocked=" + d.blocked().orElse(""));
        container(d, args[1]);
    }

    private static String checkMessage(CgroupLimits limits) {
        try {
            RootlessCgroups.check(limits, "/hako");
            return "ok";
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
    }

    private static void container(DelegatedCgroup d, String id) throws Exception {
        ContainerCgroup cgroup = ContainerCgroup.prepare(d.layout(), d.parentPath(), id, CgroupLimits.NONE, null);
        Path dir = cgroup.unifiedDirectory().orElseThrow();
        System.out.println("dir=" + dir);
        System.out.println("subtreeControl=" + Files.readString(d.parent().resolve("cgroup.subtree_control")).strip());
        try (Arena arena = Arena.ofConfined(); CloneIntoCgroup child = CloneIntoCgroup.start(arena, dir)) {
            awaitExec(child.pid());
            System.out.println("childCgroup=" + Files.readString(Path.of("/proc/" + child.pid() + "/cgroup")).lines()
                    .filter(l -> l.startsWith("0::")).findFirst().orElse("?"));
            System.out.println("procs=" + Files.readString(dir.resolve("cgroup.procs")).strip() + " pid " + child.pid());
            cgroup.markOwnedByThisJvm();
            System.out.println("mark=" + new String(FileCalls.lgetxattr(dir, Orphans.USER_OWNER_XATTR).orElseThrow(),
                    StandardCharsets.US_ASCII) + " ownerGone " + Orphans.ownerIsGone(dir));
            if (d.controllers().contains("hugetlb")) {
                hugetlb(dir);
            }
            cgroup.freeze();
            System.out.println("frozen=" + CgroupFiles.event(dir, "frozen") + " state "
                    + state(child.pid()));
            cgroup.thaw();
            System.out.println("thawed=" + CgroupFiles.event(dir, "frozen"));
            System.out.println("cpuStat=" + cgroup.stats().cpuTimeNanos().isPresent());
            cgroup.killAll();
            System.out.println("killed=" + child.waitForExit() + " populated " + CgroupFiles.event(dir, "populated"));
        }
        cgroup.destroy();
        System.out.println("dirExists=" + Files.exists(dir));
        StaleCgroups.removeParent(d.layout(), d.parentPath());
        try (Stream<Path> left = Files.list(d.root())) {
            System.out.println("left=" + String.join(" ", left.filter(Files::isDirectory)
                    .map(p -> p.getFileName().toString()).sorted().toList()));
        }
    }

    /** Writes a limit of two pages of the smallest huge page size and prints what the kernel kept. */
    private static void hugetlb(Path dir) throws Exception {
        Path max = null;
        long page = Long.MAX_VALUE;
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.toList()) {
                String name = f.getFileName().toString();
                if (name.matches("hugetlb\\.[0-9]+[KMG]B\\.max")) {
                    String size = name.substring("hugetlb.".length(), name.length() - "B.max".length());
                    long bytes = ByteSizes.parse(size.toLowerCase());
                    if (bytes < page) {
                        page = bytes;
                        max = f;
                    }
                }
            }
        }
        if (max == null) {
            throw new AssertionError("hugetlb is delegated, but " + dir + " has no hugetlb.*.max");
        }
        CgroupFiles.write(max, Long.toString(2 * page));
        System.out.println("hugetlb=" + max.getFileName() + " " + Files.readString(max).strip() + " page " + page);
    }

    /** Waits until the child is sleep: until then it still runs on the JVM's memory. */
    private static void awaitExec(long pid) throws Exception {
        for (int i = 0; i < 500; i++) {
            if (Files.readString(Path.of("/proc/" + pid + "/comm")).strip().equals("sleep")) {
                return;
            }
            Thread.sleep(10);
        }
        throw new AssertionError("process " + pid + " did not exec sleep");
    }

    private static String state(long pid) throws Exception {
        return Files.readString(Path.of("/proc/" + pid + "/status")).lines().filter(l -> l.startsWith("State:"))
                .findFirst().orElse("?").substring(6).strip();
    }
}
