package dev.hako;

import dev.hako.security.Capabilities;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Wrong configurations fail in the builder, before anything exists in the kernel: no root
 * needed. What needs a running system (a command looked up in the rootfs, starting twice)
 * is in {@code BadInputIT}.
 */
class ContainerBuilderTest {
    @TempDir
    Path rootfs;

    @TempDir
    Path tmp;

    /** A builder with a rootfs (an empty directory: nothing is started here). */
    private Container.Builder builder() {
        return Container.builder().rootfs(rootfs);
    }

    private static void assertMessage(Throwable e, String... parts) {
        assertMentions(String.valueOf(e.getMessage()), parts);
    }

    @Test
    void missingRootfs() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> Container.builder().rootfs(Path.of("/nonexistent-hako-rootfs")));
        assertMessage(e, "/nonexistent-hako-rootfs", "does not exist");
    }

    @Test
    void rootfsThatIsAFile() throws Exception {
        Path file = Files.writeString(tmp.resolve("not-a-dir"), "x");
        var e = assertThrows(IllegalArgumentException.class, () -> Container.builder().rootfs(file));
        assertMessage(e, file.toString(), "is not a directory");
    }

    @Test
    void noRootfs() {
        var e = assertThrows(IllegalArgumentException.class, () -> Container.builder().command("true").build());
        assertMessage(e, "no rootfs");
    }

    @Test
    void seccompProfileThatCannotBeCompiledHereFailsInBuild() {
        var arm = dev.hako.seccomp.Profile.parse("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"architectures\": [\"SCMP_ARCH_ARM\"]}");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> builder().command("true").seccomp(arm).build()),
                "seccomp: architectures: the profile names only SCMP_ARCH_ARM");
        assertDoesNotThrow(() -> builder().command("true").seccomp(dev.hako.seccomp.Profile.dockerDefault()).build().close());
    }

    @Test
    void emptyCommand() {
        assertMessage(assertThrows(IllegalArgumentException.class, () -> builder().build()), "no command");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> builder().command(List.of()).build()),
                "no command");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> builder().command("").build()),
                "empty program name");
    }

    @Test
    void invalidHostname() {
        for (String name : List.of("bad_host!", "-leading-dash", "a".repeat(65), "")) {
            var e = assertThrows(IllegalArgumentException.class,
                    () -> builder().hostname(name).command("true").build(), name);
            assertMessage(e, "hostname '" + name + "'", "invalid");
        }
    }

    @Test
    void hostnameWithoutUtsNamespace() {
        var e = assertThrows(IllegalArgumentException.class, () -> builder()
                .namespaces(Namespace.MOUNT, Namespace.PID).hostname("box").command("true").build());
        assertMessage(e, "hostname 'box'", "UTS");
    }

    @Test
    void relativeWorkingDirectoryAndWrongRedirects() {
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> builder().workingDir("app").command("true").build()), "'app'", "absolute");
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> builder().redirectInput(Redirect.to(tmp.resolve("x").toFile()))), "redirectInput");
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> builder().env("A=B", "c")), "'A=B'");
    }

    @Test
    void startAfterClose() {
        // Never started, so close() has nothing to release and start() must refuse before any syscall.
        Container c = builder().command("true").build();
        c.close();
        assertMessage(assertThrows(IllegalStateException.class, c::start), c.id(), "closed");
    }

    private String refused(UnaryOperator<Container.Builder> limits) {
        Container.Builder b = limits.apply(Container.builder().rootfs(rootfs).command("/bin/true"));
        return assertThrows(IllegalArgumentException.class, b::build).getMessage();
    }

    private static void assertMentions(String message, String... words) {
        for (String w : words) {
            assertTrue(message.contains(w), "'" + w + "' missing from: " + message);
        }
    }

    @Test
    void refusesMemoryLimitsTheKernelWouldNot() {
        assertMentions(refused(b -> b.memoryLimit(0)), "memoryLimit", "minimum of 6m");
        assertMentions(refused(b -> b.memoryLimit(-1)), "memoryLimit");
        assertMentions(refused(b -> b.memoryLimit("1m")), "memoryLimit", "1m", "minimum of 6m");
        assertMentions(refused(b -> b.memoryLimit("64m").memorySwapLimit("32m")), "memorySwapLimit", "below memoryLimit");
        assertMentions(refused(b -> b.memorySwapLimit("64m")), "memorySwapLimit", "needs memoryLimit");
        assertMentions(refused(b -> b.memoryLimit("64m").memoryReservation("128m")), "memoryReservation", "above memoryLimit");
        assertMentions(assertThrows(IllegalArgumentException.class, () -> Container.builder().memoryLimit("lots")).getMessage(),
                "memoryLimit", "\"lots\"", "like 64m");
    }

    @Test
    void refusesCpuLimitsOutsideTheMachine() {
        int cpus = Runtime.getRuntime().availableProcessors();
        assertMentions(assertThrows(IllegalArgumentException.class, () -> Container.builder().cpus(0)).getMessage(), "cpus");
        assertMentions(assertThrows(IllegalArgumentException.class, () -> Container.builder().cpus(-0.5)).getMessage(), "cpus");
        assertMentions(refused(b -> b.cpus(cpus + 64)), "cpus");
        assertMentions(refused(b -> b.cpuShares(1)), "cpuShares", "2 to 262144");
        assertMentions(refused(b -> b.cpuShares(300_000)), "cpuShares");
        assertMentions(refused(b -> b.cpusetCpus("999")), "cpusetCpus", "999");
        assertMentions(refused(b -> b.cpusetCpus("banana")), "cpusetCpus");
        assertMentions(refused(b -> b.cpusetMems("7")), "cpusetMems");
    }

    @Test
    void refusesPidsAndIoWeightOutOfRange() {
        assertMentions(refused(b -> b.pidsLimit(0)), "pidsLimit");
        assertMentions(refused(b -> b.ioWeight(5)), "ioWeight", "10", "1000");
        for (String parent : new String[] {"relative", "/", "/a/./b", "/a/../b"}) {
            assertMentions(refused(b -> b.cgroupParent(parent)), "cgroupParent", parent);
        }
    }

    @Test
    void refusesUnknownCapabilitiesAndBadRlimitsInBuild() {
        assertMentions(refused(b -> b.capAdd("NET_ADMINN")), "capAdd", "NET_ADMINN", "no such capability");
        assertMentions(refused(b -> b.capDrop("sys_admin", "bogus")), "capDrop", "bogus");
        assertMentions(refused(b -> b.rlimit("NOFILE", 200, 100)), "rlimit", "NOFILE", "soft limit is above the hard limit");
        assertMentions(refused(b -> b.rlimit("FILES", 1, 1)), "rlimit", "FILES", "no such resource");
        assertDoesNotThrow(() -> builder().command("/bin/true").capAdd("cap_net_admin").capDrop("ALL")
                .rlimit("rlimit_nofile", 64, 64).rlimit("CORE", 0, 0).noNewPrivileges(false).build().close());
    }

    @Test
    void aContainerGetsOnlyCapabilitiesTheJvmHas() {
        long jvm = Capabilities.named(List.of("SYS_ADMIN", "CHOWN", "KILL", "SETUID", "SETGID"), "test");
        var e = assertThrows(IllegalArgumentException.class,
                () -> ConfigRules.capabilities(List.of("SYS_RESOURCE"), List.of(), jvm));
        assertMessage(e, "capAdd", "lacks CAP_SYS_RESOURCE", "CapEff");
        assertEquals(jvm, ConfigRules.capabilities(List.of("ALL"), List.of(), jvm).mask(), "ALL: all the JVM has");
        assertEquals(Capabilities.named(List.of("CHOWN", "KILL", "SETUID", "SETGID"), "test"),
                ConfigRules.capabilities(List.of(), List.of(), jvm).mask(), "the defaults the JVM has");
        assertEquals(Capabilities.named(List.of("CHOWN", "KILL"), "test"),
                ConfigRules.capabilities(List.of(), List.of("SETUID", "SETGID"), jvm).mask());
    }

    @Test
    void acceptsSensibleLimits() {
        assertDoesNotThrow(() -> Container.builder().rootfs(rootfs).command("/bin/true")
                .memoryLimit("64m").memorySwapLimit("128m").memoryReservation("32m")
                .cpus(0.5).cpuShares(512).cpusetCpus("0").cpusetMems("0").pidsLimit(100).ioWeight(500)
                .cgroupParent("/apps/hako").build());
    }
}
