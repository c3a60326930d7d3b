package dev.hako.cgroup;

import dev.hako.cgroup.CgroupLayout.Location;
import dev.hako.linux.Bpf;
import dev.hako.linux.Libc;
import dev.hako.linux.linux_h;
import dev.hako.testing.DevProbe;
import dev.hako.testing.JvmResources;
import dev.hako.testing.KernelTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The device policy's two forms, each on its own, on this machine's real hierarchies: one
 * cgroup with only the v1 devices rules, one with only the v2 device program, each with a
 * plain host process placed in it before it opens anything. Inside the list opens work,
 * outside it they fail with EPERM; without a policy the same open works, so the EPERM is
 * the policy's. (On this hybrid machine this also shows that a v2 device program applies to
 * a process in that v2 cgroup although the v2 hierarchy has no controllers.)
 */
@KernelTest
class DevicePolicyIT {
    private static final String PARENT = "/hako-devices-it-" + ProcessHandle.current().pid();
    /** Docker's default list: /dev/null is in it, /dev/kmsg (1:11) is not. */
    private static final DevicePolicy DEFAULTS = DevicePolicy.defaultsAnd(List.of());
    private static final String INSIDE = "/dev/null";
    private static final String OUTSIDE = "/dev/kmsg";

    /** The kernel's directories, but the v2 program left out: the v1 rules alone. */
    private static final CgroupDirectories V1_ONLY = new CgroupDirectories() {
        @Override
        public void mkdir(Path dir) throws IOException {
            CgroupDirectories.KERNEL.mkdir(dir);
        }

        @Override
        public void rmdir(Path dir) throws IOException {
            CgroupDirectories.KERNEL.rmdir(dir);
        }

        @Override
        public void attachDevicePolicy(Path dir, DeviceProgram program) {
            // left out on purpose
        }

        @Override
        public boolean v1DeviceRulesBesideV2() {
            return true;
        }
    };

    private static CgroupLayout layout;
    private final List<ContainerCgroup> cgroups = new ArrayList<>();

    @BeforeAll
    static void detect() throws IOException {
        layout = CgroupLayout.detect();
        assertTrue(Files.exists(Path.of(OUTSIDE)), OUTSIDE + " is the device outside the list; this host lacks it");
    }

    @AfterEach
    void cleanUp() throws IOException {
        for (ContainerCgroup cgroup : cgroups) {
            cgroup.destroy();
        }
        assertEquals(Set.of(), StaleCgroups.leftovers(layout, PARENT));
    }

    @AfterAll
    static void removeParent() throws IOException {
        StaleCgroups.removeParent(layout, PARENT);
    }

    private ContainerCgroup create(DevicePolicy policy, CgroupDirectories directories) throws IOException {
        String id = "dev-" + HexFormat.of().formatHex(java.security.SecureRandom.getSeed(4));
        ContainerCgroup cgroup = ContainerCgroup.create(layout, PARENT, id, CgroupLimits.NONE, policy, directories);
        cgroups.add(cgroup);
        return cgroup;
    }

    /**
     * Runs the probe as a host process that waits on its stdin until it has been moved into
     * {@code cgroup} (every v1 directory and the v2 one), and returns the errno it prints.
     */
    private static int probeIn(ContainerCgroup cgroup, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("/bin/sh", "-c", "read go; exec \"$@\"", "sh",
                DevProbe.path().toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try {
            cgroup.addProcess(p.pid(), true);
            try (OutputStream in = p.getOutputStream()) {
                in.write('\n');
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).strip();
            assertEquals(0, p.waitFor(), "probe " + List.of(args) + " printed " + out);
            return Integer.parseInt(out);
        } finally {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void v1RulesAloneRefuseADeviceOutsideTheList() throws Exception {
        assumeTrue(layout.location(Controller.DEVICES) == Location.V1, "needs the v1 devices controller: " + layout);
        ContainerCgroup cgroup = create(DEFAULTS, V1_ONLY);
        Path dir = cgroup.paths().v1(Controller.DEVICES).orElseThrow();
        assertEquals(DEFAULTS.rules().stream().map(DeviceRule::v1Entry).toList(),
                Files.readAllLines(dir.resolve("devices.list")), "deny-all, then exactly the allow entries");
        cgroup.paths().unified().ifPresent(v2 -> assertEquals(0, attached(v2), "no v2 program in this test"));

        assertEquals(0, probeIn(cgroup, "open", INSIDE, "rw"));
        assertEquals(linux_h.EPERM(), probeIn(cgroup, "open", OUTSIDE, "r"));
    }

    @Test
    void v2ProgramAloneRefusesADeviceOutsideTheList() throws Exception {
        assumeTrue(layout.unifiedMount().isPresent(), "needs a cgroup v2 mount: " + layout);
        ContainerCgroup cgroup = create(null, CgroupDirectories.KERNEL);
        assertTrue(cgroup.paths().v1(Controller.DEVICES).isEmpty(), "no v1 devices rules in this test");
        Path v2 = cgroup.unifiedDirectory().orElseThrow();
        DeviceCgroup.attachV2(v2, DEFAULTS.program());
        assertEquals(1, attached(v2));

        assertEquals(0, probeIn(cgroup, "open", INSIDE, "rw"));
        assertEquals(0, probeIn(cgroup, "pty"), "ptmx and a /dev/pts slave");
        assertEquals(linux_h.EPERM(), probeIn(cgroup, "open", OUTSIDE, "r"));
    }

    @Test
    void withoutAPolicyTheSameOpenWorks() throws Exception {
        ContainerCgroup cgroup = create(null, CgroupDirectories.KERNEL);
        assertEquals(0, probeIn(cgroup, "open", OUTSIDE, "r"), "the control: EPERM above is the policy's");
    }

    @Test
    void bothFormsTogetherAndNothingLeaks() throws Exception {
        create(DEFAULTS, CgroupDirectories.KERNEL).destroy(); // warm-up: classes and lazily linked handles
        JvmResources before = JvmResources.snapshot();
        for (int i = 0; i < 20; i++) {
            ContainerCgroup cgroup = create(DEFAULTS, CgroupDirectories.KERNEL);
            cgroup.paths().unified().ifPresent(v2 -> assertEquals(1, attached(v2)));
            cgroup.destroy();
        }
        JvmResources.assertNoLeakSince(before);
        ContainerCgroup cgroup = create(DEFAULTS, CgroupDirectories.KERNEL);
        assertEquals(linux_h.EPERM(), probeIn(cgroup, "open", OUTSIDE, "r"));
        assertEquals(0, probeIn(cgroup, "read", "/dev/zero"));
    }

    @Test
    void aProgramTheVerifierRefusesFailsWithItsLogAndLeavesNothing() throws Exception {
        assumeTrue(layout.unifiedMount().isPresent(), "needs a cgroup v2 mount: " + layout);
        // exit without setting r0: the verifier refuses to read an unset register
        byte[] code = new EbpfAssembler().exit().assemble();
        DeviceProgram bad = new DeviceProgram(code, 1, List.of());
        CgroupDirectories badProgram = new CgroupDirectories() {
            @Override
            public void mkdir(Path dir) throws IOException {
                CgroupDirectories.KERNEL.mkdir(dir);
            }

            @Override
            public void rmdir(Path dir) throws IOException {
                CgroupDirectories.KERNEL.rmdir(dir);
            }

            @Override
            public void attachDevicePolicy(Path dir, DeviceProgram program) throws IOException {
                DeviceCgroup.attachV2(dir, bad);
            }
        };
        JvmResources before = JvmResources.snapshot();
        CgroupException e = assertThrows(CgroupException.class,
                () -> ContainerCgroup.create(layout, PARENT, "dev-bad", CgroupLimits.NONE, DEFAULTS, badProgram));
        assertTrue(e.getMessage().contains("device") && e.getMessage().contains("verifier log")
                && e.getMessage().contains("R0"), e.getMessage());
        assertEquals(Set.of(), StaleCgroups.leftovers(layout, PARENT), "the half-made cgroup is removed");
        JvmResources.assertNoLeakSince(before);
    }

    /** How many device programs are attached to the v2 cgroup {@code dir} itself. */
    private static int attached(Path dir) {
        try (Libc.OpenDirectory fd = Libc.openDirectory(dir.toString())) {
            return Bpf.progCount(fd.fd(), linux_h.BPF_CGROUP_DEVICE());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
