package dev.hako.cgroup;

import dev.hako.linux.linux_h;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The compiled device programs, run through {@link EbpfInterpreter} over tables of accesses: no root needed. */
class DeviceProgramTest {
    private static final int C = linux_h.BPF_DEVCG_DEV_CHAR();
    private static final int B = linux_h.BPF_DEVCG_DEV_BLOCK();
    private static final int R = linux_h.BPF_DEVCG_ACC_READ();
    private static final int W = linux_h.BPF_DEVCG_ACC_WRITE();
    private static final int M = linux_h.BPF_DEVCG_ACC_MKNOD();

    /** One access and whether the policy should allow it. */
    private record Case(int type, int major, int minor, int access, boolean allowed) {
        @Override
        public String toString() {
            return (type == C ? "c " : "b ") + major + ":" + minor + " access " + access;
        }
    }

    private static Case allow(int type, int major, int minor, int access) {
        return new Case(type, major, minor, access, true);
    }

    private static Case deny(int type, int major, int minor, int access) {
        return new Case(type, major, minor, access, false);
    }

    private static void check(DevicePolicy policy, List<Case> cases) {
        EbpfInterpreter vm = new EbpfInterpreter(policy.program().code());
        for (Case c : cases) {
            assertEquals(c.allowed() ? 1 : 0, vm.run(c.type(), c.access(), c.major(), c.minor()), c + " under " + policy);
        }
    }

    @Test
    void theDefaultListAllowsDockersDevicesAndMknodOfAnyOther() {
        DevicePolicy defaults = DevicePolicy.defaultsAnd(List.of());
        check(defaults, List.of(
                allow(C, 1, 3, R | W), allow(C, 1, 5, R), allow(C, 1, 7, W), allow(C, 1, 8, R), allow(C, 1, 9, R | W),
                allow(C, 5, 0, R | W), allow(C, 5, 2, R | W), allow(C, 136, 0, R | W), allow(C, 136, 4095, R | W),
                allow(C, 1, 3, M),
                // mknod of anything, char or block, as in Docker
                allow(B, 254, 0, M), allow(C, 10, 229, M), allow(B, 8, 0, M),
                // but not opening it
                deny(B, 254, 0, R), deny(B, 254, 0, W), deny(B, 254, 0, R | M), deny(B, 8, 0, R | W),
                deny(C, 1, 1, R), deny(C, 1, 11, R), deny(C, 4, 1, R | W), deny(C, 10, 229, R | W), deny(C, 5, 1, R),
                deny(C, 137, 0, R), deny(C, 1, 4, R),
                // a block device with a char device's numbers is another device
                deny(B, 1, 3, R), deny(B, 136, 1, R | W)));
    }

    @Test
    void givenDevicesGetExactlyTheirPermissions() {
        DevicePolicy policy = DevicePolicy.defaultsAnd(List.of(DeviceRule.block(8, 32, "r"),
                DeviceRule.chars(10, 229, "rw")));
        check(policy, List.of(
                allow(B, 8, 32, R), deny(B, 8, 32, W), deny(B, 8, 32, R | W), allow(B, 8, 32, M),
                deny(B, 8, 33, R), deny(C, 8, 32, R),
                allow(C, 10, 229, R), allow(C, 10, 229, W), allow(C, 10, 229, R | W), deny(C, 10, 228, R),
                allow(C, 1, 3, R | W)));
    }

    @Test
    void wildcardMajorsAndMinors() {
        DevicePolicy policy = DevicePolicy.allowing(List.of(DeviceRule.chars(DeviceRule.ANY, 7, "r"),
                DeviceRule.block(7, DeviceRule.ANY, "rw")));
        check(policy, List.of(
                allow(C, 1, 7, R), allow(C, 200, 7, R), deny(C, 1, 7, W), deny(C, 1, 8, R), deny(B, 1, 7, R),
                allow(B, 7, 0, R | W), allow(B, 7, 99, R), deny(B, 7, 0, M), deny(B, 8, 0, R), deny(C, 7, 0, R)));
    }

    @Test
    void anEmptyListRefusesEverything() {
        DevicePolicy none = DevicePolicy.allowing(List.of());
        assertEquals(8, none.program().count(), "the six instructions reading the context, then r0 = 0; exit");
        check(none, List.of(deny(C, 1, 3, R), deny(B, 8, 0, M)));
    }

    @Test
    void aRuleForEverythingEndsTheProgram() {
        DevicePolicy all = DevicePolicy.allowing(List.of(DeviceRule.chars(1, 3, "rwm"),
                new DeviceRule(DeviceRule.Type.ALL, DeviceRule.ANY, DeviceRule.ANY, "rwm"), DeviceRule.block(8, 0, "r")));
        check(all, List.of(allow(C, 1, 3, R), allow(B, 8, 0, R | W | M), allow(C, 4, 1, W)));
        // nothing after the catch-all: the verifier refuses unreachable instructions
        DevicePolicy upToIt = DevicePolicy.allowing(List.of(DeviceRule.chars(1, 3, "rwm"),
                new DeviceRule(DeviceRule.Type.ALL, DeviceRule.ANY, DeviceRule.ANY, "rwm")));
        assertEquals(upToIt.program().count(), all.program().count());
    }

    @Test
    void aTypeAllRuleWithAccessLimitsStillTestsTheAccess() {
        DevicePolicy mknodOnly = DevicePolicy.allowing(List.of(new DeviceRule(DeviceRule.Type.ALL, DeviceRule.ANY,
                DeviceRule.ANY, "m")));
        check(mknodOnly, List.of(allow(C, 1, 3, M), allow(B, 8, 0, M), deny(C, 1, 3, R), deny(B, 8, 0, R | M)));
    }

    @Test
    void theDefaultProgramsSize() {
        // 6 to read the context; c *:* m and b *:* m 6 each; null, zero, full, random,
        // urandom, tty and ptmx 5 each; 136:* 4; return 0 2
        assertEquals(59, DevicePolicy.defaultsAnd(List.of()).program().count());
    }

    @Test
    void theInterpreterRefusesWhatTheAssemblerNeverEmits() {
        byte[] code = new EbpfAssembler().mov(0, 1).exit().assemble();
        code[8] = (byte) (linux_h.BPF_JMP() | linux_h.BPF_JA());
        assertThrows(IllegalStateException.class, () -> new EbpfInterpreter(code).run(C, R, 1, 3));
        byte[] unset = new EbpfAssembler().exit().assemble();
        assertThrows(IllegalStateException.class, () -> new EbpfInterpreter(unset).run(C, R, 1, 3));
    }

    @Test
    void rulesRenderAsDevicesAllowEntriesAndRefuseBadInput() {
        assertEquals("c 1:3 rwm", DeviceRule.chars(1, 3, "mwr").v1Entry());
        assertEquals("b *:* m", DeviceRule.block(DeviceRule.ANY, DeviceRule.ANY, "m").v1Entry());
        assertEquals("c 136:* rwm", DeviceRule.chars(136, DeviceRule.ANY, "rwm").v1Entry());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DeviceRule.chars(1, 3, "rx"));
        assertTrue(e.getMessage().contains("'rx'"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> DeviceRule.chars(1, 3, ""));
        assertThrows(IllegalArgumentException.class, () -> new DeviceRule(DeviceRule.Type.ALL, 1, 3, "r"));
        assertThrows(IllegalArgumentException.class, () -> DeviceRule.chars(-2, 3, "r"));
    }

    @Test
    void createWritesDenyAllThenTheAllowEntriesOnV1AndAttachesTheProgramOnV2(@org.junit.jupiter.api.io.TempDir
            java.nio.file.Path root) throws Exception {
        FakeCgroupfs fs = new FakeCgroupfs(root).v1("memory", "memory").v1("devices", "devices")
                .unified("unified", "").withV1DevicesBesideV2();
        DevicePolicy policy = DevicePolicy.defaultsAnd(List.of(DeviceRule.chars(10, 229, "rw")));
        ContainerCgroup cgroup = ContainerCgroup.create(fs.layout(), "/hako", "c1", CgroupLimits.NONE, policy, fs);
        assertTrue(fs.directories().contains("devices/hako/c1"), fs.directories().toString());
        // one write per entry, which a plain file strings together
        assertEquals(String.join("", policy.rules().stream().map(DeviceRule::v1Entry).toList()),
                java.nio.file.Files.readString(root.resolve("devices/hako/c1/devices.allow")));
        assertTrue(policy.rules().getLast().v1Entry().equals("c 10:229 rw"), policy.toString());
        assertEquals("a", java.nio.file.Files.readString(root.resolve("devices/hako/c1/devices.deny")));
        assertEquals(policy.program(), fs.devicePrograms.get(root.resolve("unified/hako/c1")));
        cgroup.destroy();
        assertEquals(List.of("devices", "devices/hako", "memory", "memory/hako", "unified", "unified/hako"),
                fs.directories());
    }

    @Test
    void onAHybridMachineTheV2ProgramAloneEnforcesThePolicy(@org.junit.jupiter.api.io.TempDir
            java.nio.file.Path root) throws Exception {
        FakeCgroupfs fs = new FakeCgroupfs(root).v1("memory", "memory").v1("devices", "devices")
                .unified("unified", "");
        DevicePolicy policy = DevicePolicy.defaultsAnd(List.of());
        ContainerCgroup cgroup = CgroupCreator.create(fs.layout(), "/hako", "c1", CgroupLimits.NONE, policy, fs);
        cgroup.placeChild(4242);
        assertEquals(List.of("devices", "memory", "memory/hako", "memory/hako/c1", "unified", "unified/hako",
                "unified/hako/c1"), fs.directories(), "no v1 devices cgroup");
        assertEquals(policy.program(), fs.devicePrograms.get(root.resolve("unified/hako/c1")));
        cgroup.destroy();
    }

    @Test
    void onAV1MachineTheDevicesControllerEnforcesThePolicy(@org.junit.jupiter.api.io.TempDir
            java.nio.file.Path root) throws Exception {
        FakeCgroupfs fs = new FakeCgroupfs(root).v1("memory", "memory").v1("devices", "devices");
        DevicePolicy policy = DevicePolicy.defaultsAnd(List.of());
        ContainerCgroup cgroup = CgroupCreator.create(fs.layout(), "/hako", "c1", CgroupLimits.NONE, policy, fs);
        cgroup.placeChild(4242);
        assertEquals("a", java.nio.file.Files.readString(root.resolve("devices/hako/c1/devices.deny")));
        assertEquals("4242", java.nio.file.Files.readString(root.resolve("devices/hako/c1/cgroup.procs")));
        assertTrue(fs.devicePrograms.isEmpty());
        cgroup.destroy();
    }

    @Test
    void forAStartThePolicyWaitsForTheChildsPlacementAndComesBeforeIt(@org.junit.jupiter.api.io.TempDir
            java.nio.file.Path root) throws Exception {
        FakeCgroupfs fs = new FakeCgroupfs(root).v1("memory", "memory").v1("devices", "devices")
                .unified("unified", "").withV1DevicesBesideV2();
        DevicePolicy policy = DevicePolicy.defaultsAnd(List.of());
        ContainerCgroup cgroup = CgroupCreator.create(fs.layout(), "/hako", "c1", CgroupLimits.NONE, policy, fs);
        java.nio.file.Path devices = root.resolve("devices/hako/c1");
        assertEquals("", java.nio.file.Files.readString(devices.resolve("devices.deny")), "pending until placed");
        assertTrue(fs.devicePrograms.isEmpty());
        cgroup.placeChild(4242);
        assertEquals("a", java.nio.file.Files.readString(devices.resolve("devices.deny")));
        assertEquals(policy.program(), fs.devicePrograms.get(root.resolve("unified/hako/c1")));
        assertEquals("4242", java.nio.file.Files.readString(devices.resolve("cgroup.procs")));
        assertEquals("", java.nio.file.Files.readString(root.resolve("unified/hako/c1/cgroup.procs")),
                "the child is born in the v2 directory (CLONE_INTO_CGROUP)");
        cgroup.applyDevicePolicy(); // once only: nothing is attached twice
        assertEquals(1, fs.devicePrograms.size());
        cgroup.destroy();
    }

    @Test
    void withoutAPolicyNoDevicesHierarchyIsUsed(@org.junit.jupiter.api.io.TempDir java.nio.file.Path root)
            throws Exception {
        FakeCgroupfs fs = new FakeCgroupfs(root).v1("memory", "memory").v1("devices", "devices");
        ContainerCgroup.create(fs.layout(), "/hako", "c1", CgroupLimits.NONE, fs).destroy();
        assertTrue(fs.directories().stream().noneMatch(d -> d.startsWith("devices/")), fs.directories().toString());
    }
}
