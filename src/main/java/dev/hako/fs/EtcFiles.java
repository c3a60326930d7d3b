package dev.hako.fs;

import dev.hako.linux.SmallFiles;
import dev.hako.linux.linux_h;
import dev.hako.program.ChildProgram;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;

/**
 * The /etc/hostname, /etc/hosts and /etc/resolv.conf a container gets, as Docker gives
 * them. The child writes them onto its private staging tmpfs and they are bind-mounted over
 * the image's own: nothing is written on the host's disk, and nothing is left to remove.
 */
public final class EtcFiles {
    /** A generated file: its name on the staging tmpfs, its content, and where it goes in the container. */
    public record Entry(String name, String content, String target) {
        /** Where the child writes it, before the pivot. */
        public String staged() {
            return RootfsSetup.staging() + "/" + name;
        }
    }


    private EtcFiles() {
    }

    /**
     * The files for a container. With a network namespace, nameservers on the host's
     * loopback are left out of resolv.conf: the container cannot reach them.
     */
    public static List<Entry> generate(String hostname, boolean ownNetwork) throws IOException {
        return generate(hostname, ownNetwork, null);
    }

    /**
     * As {@link #generate(String, boolean)}, with {@code resolvConf} as the container's
     * resolv.conf when not null (a network's own choice: a bridge's reachable servers, a
     * user-mode helper's forwarder).
     */
    public static List<Entry> generate(String hostname, boolean ownNetwork, String resolvConf) throws IOException {
        List<Entry> entries = new ArrayList<>();
        if (hostname != null) {
            entries.add(new Entry("hostname", hostname + "\n", "/etc/hostname"));
        }
        String self = hostname != null ? "127.0.1.1\t" + hostname + "\n" : "";
        entries.add(new Entry("hosts", "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n" + self,
                "/etc/hosts"));
        entries.add(new Entry("resolv.conf", resolvConf != null ? resolvConf : resolvConf(ownNetwork), "/etc/resolv.conf"));
        return List.copyOf(entries);
    }

    /** The host's resolv.conf as last read, and when it was last changed: read again only when it changes. */
    private record HostResolvConf(FileTime modified, List<String> lines) {
    }

    private static volatile HostResolvConf cached;

    private static List<String> hostResolvConf() throws IOException {
        Path host = Path.of("/etc/resolv.conf");
        if (!Files.isReadable(host)) {
            return List.of();
        }
        FileTime modified = Files.getLastModifiedTime(host);
        HostResolvConf c = cached;
        if (c == null || !c.modified().equals(modified)) {
            cached = c = new HostResolvConf(modified, List.of(SmallFiles.read(host).split("\n")));
        }
        return c.lines();
    }

    private static String resolvConf(boolean ownNetwork) throws IOException {
        StringBuilder out = new StringBuilder();
        for (String line : hostResolvConf()) {
            String[] words = line.trim().split("\\s+");
            boolean loopback = words.length > 1 && words[0].equals("nameserver")
                    && (words[1].startsWith("127.") || words[1].equals("::1"));
            if (!(ownNetwork && loopback)) {
                out.append(line).append('\n');
            }
        }
        return out.toString();
    }

    /** Steps that write each file onto the staging tmpfs (mounted already). */
    public static void write(ChildProgram.Builder p, List<Entry> entries) {
        for (Entry e : entries) {
            p.setsUp("the generated " + e.target(), "etcFiles");
            MemorySegment bytes = p.arena().allocateFrom(e.content(), StandardCharsets.UTF_8);
            long length = bytes.byteSize() - 1;
            int fd = p.open(e.staged(), linux_h.O_WRONLY() | linux_h.O_CREAT() | linux_h.O_EXCL() | linux_h.O_CLOEXEC(), 0644);
            p.write(fd, bytes, length).close(fd);
        }
    }
}
