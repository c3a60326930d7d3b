package dev.hako.it;

import dev.hako.Container;
import dev.hako.ContainerException;
import dev.hako.ContainerProcess;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Run in a separate JVM by {@link ChildJvmIT}: starts one container running
 * {@code sleep 1000} and prints its host pid, then waits for stdin to close. Or, when
 * starting fails, prints the exception's message.
 *
 * <p>Arguments: rootfs path, then {@code die} or {@code survive} for dieWithJvm; or
 * {@code orphans} (see {@link #orphans}); or {@code groups}: prints the Groups line of this
 * JVM's /proc/self/status, then the one a default container's command sees, and exits.
 */
public final class ContainerHolder {
    private ContainerHolder() {
    }

    public static void main(String[] args) throws Exception {
        if (args[1].equals("orphans")) {
            orphans(Path.of(args[0]));
            return;
        }
        if (args[1].equals("pool")) {
            pool(Path.of(args[0]));
            return;
        }
        if (args[1].equals("groups")) {
            String inside = Container.builder().rootfs(Path.of(args[0])).command("cat", "/proc/self/status").run().stdout();
            System.out.println("jvm " + groupsLine(Files.readString(Path.of("/proc/self/status"))));
            System.out.println("container " + groupsLine(inside));
            return;
        }
        Container container = Container.builder().rootfs(Path.of(args[0]))
                .dieWithJvm(args[1].equals("die"))
                .command("sleep", "1000").build();
        try {
            ContainerProcess p = container.start();
            System.out.println("pid " + p.pid());
        } catch (ContainerException e) {
            System.out.println("failed " + e.getMessage());
        }
        System.out.flush();
        System.in.read();
    }

    /**
     * {@code pool}: a pool of two whose members wait, and one started member running
     * {@code sleep 1000}. Prints "pid P waiting W1 W2" (the started one's pid, then the
     * waiting members': this JVM's children that have not exec'd).
     */
    private static void pool(Path rootfs) throws Exception {
        dev.hako.ContainerPool pool = dev.hako.ContainerPool.builder(Container.builder().rootfs(rootfs)).size(2).build();
        ContainerProcess p = pool.start("sleep", "1000");
        while (pool.waiting() < 2) {
            Thread.sleep(5);
        }
        StringBuilder line = new StringBuilder("pid " + p.pid() + " waiting");
        for (long w : ContainerPoolIT.waitingChildren()) {
            line.append(' ').append(w);
        }
        System.out.println(line);
        System.out.flush();
        System.in.read();
    }

    /**
     * {@code orphans}: a container without a PID namespace whose shell starts a child, so
     * that PDEATHSIG ends the shell with the JVM but not the child. Prints "pid P child C".
     */
    private static void orphans(Path rootfs) throws Exception {
        java.util.Set<dev.hako.Namespace> noPid = java.util.EnumSet.copyOf(dev.hako.Namespace.all());
        noPid.remove(dev.hako.Namespace.PID);
        Container container = Container.builder().rootfs(rootfs).namespaces(noPid)
                .command("/bin/sh", "-c", "sleep 1000 & echo $!; wait").build();
        ContainerProcess p = container.start();
        String child = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream())).readLine();
        System.out.println("pid " + p.pid() + " child " + child);
        System.out.flush();
        System.in.read();
    }

    private static String groupsLine(String status) {
        return status.lines().filter(l -> l.startsWith("Groups:")).map(l -> l.substring(7).strip()).findFirst()
                .orElse("(no Groups line)");
    }
}
