package dev.hako.program;

import dev.hako.linux.linux_h;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.util.List;

import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ChildProgramTest {

    private static void setResult(ChildProgram program, int index, long value) {
        program.code().set(JAVA_LONG, (long) index * TrampolineCode.STEP_SIZE + TrampolineCode.STEP_RESULT, value);
    }

    @Test
    void writesStepsAndEndMarkerIntoNativeMemory() {
        try (Arena arena = Arena.ofConfined()) {
            ChildProgram p = ChildProgram.builder(arena).chdir("/").mayFail().close(7).build();
            assertEquals(2, p.steps().size());
            long step1 = TrampolineCode.STEP_SIZE;
            assertEquals(linux_h.SYS_close(), p.code().get(JAVA_LONG, step1 + TrampolineCode.STEP_NR));
            assertEquals(7, p.code().get(JAVA_LONG, step1 + TrampolineCode.STEP_ARG0));
            assertEquals(TrampolineCode.MAY_FAIL, p.code().get(JAVA_LONG, TrampolineCode.STEP_FLAGS));
            assertEquals(TrampolineCode.END_OF_PROGRAM, p.code().get(JAVA_LONG, 2 * step1 + TrampolineCode.STEP_NR));
            assertTrue(p.result(0).isEmpty(), "nothing has run yet");
        }
    }

    @Test
    void printsLikeStrace() {
        try (Arena arena = Arena.ofConfined()) {
            ChildProgram p = ChildProgram.builder(arena)
                    .mount("proc", "/proc", "proc", linux_h.MS_NOSUID() | linux_h.MS_NODEV(), null)
                    .note("fresh proc")
                    .read(3, 1).zeroFails()
                    .build();
            String plan = p.toString();
            assertTrue(plan.contains("0  mount(\"proc\", \"/proc\", \"proc\", MS_NOSUID|MS_NODEV, NULL)  # fresh proc"), plan);
            assertTrue(plan.contains("1  read(3, buf, 1)  [0 fails]"), plan);
        }
    }

    @Test
    void findsTheStepThatStoppedTheChild() {
        try (Arena arena = Arena.ofConfined()) {
            ChildProgram p = ChildProgram.builder(arena)
                    .mkdir("/proc", 0555).mayFail()
                    .mount("proc", "/proc", "proc", 0, null)
                    .chdir("/")
                    .build();
            setResult(p, 0, -linux_h.EEXIST());
            setResult(p, 1, -linux_h.EPERM());
            ChildProgram.Failure f = p.failure().orElseThrow();
            assertEquals(1, f.index(), "a step that may fail does not stop the program");
            assertEquals(linux_h.EPERM(), f.errno());
            assertEquals("mount(\"proc\", \"/proc\", \"proc\", 0, NULL): EPERM (Operation not permitted)", f.toString());
            String run = p.describeRun();
            assertTrue(run.contains("= -1 EEXIST (File exists)"), run);
            assertTrue(run.contains("<- stopped here"), run);
            assertTrue(run.contains("chdir(\"/\") (not run)"), run);
        }
    }

    @Test
    void zeroCountsAsFailureOnlyWhereMarked() {
        try (Arena arena = Arena.ofConfined()) {
            ChildProgram p = ChildProgram.builder(arena).setsid().read(3, 1).zeroFails().build();
            setResult(p, 0, 0);
            setResult(p, 1, 0);
            assertFalse(p.failed(0));
            ChildProgram.Failure f = p.failure().orElseThrow();
            assertEquals(1, f.index());
            assertEquals(0, f.errno());
        }
    }

    @Test
    void successfulRunHasNoFailure() {
        try (Arena arena = Arena.ofConfined()) {
            ChildProgram p = ChildProgram.builder(arena).setsid().umask(022).build();
            setResult(p, 0, 1234);
            setResult(p, 1, 022);
            assertTrue(p.failure().isEmpty());
        }
    }

    @Test
    void handsOutTheDescriptorsTheKernelWillGive() {
        try (Arena arena = Arena.ofConfined()) {
            ChildProgram.Builder b = ChildProgram.builder(arena).closeFrom(5);
            int first = b.open("/a", linux_h.O_RDONLY(), 0);
            int second = b.openTree("/b", linux_h.OPEN_TREE_CLONE());
            b.close(first);
            int third = b.socket(linux_h.AF_INET(), "AF_INET", linux_h.SOCK_DGRAM(), "SOCK_DGRAM");
            assertEquals(List.of(5, 6, 5), List.of(first, second, third), "the lowest free number, as the kernel does");
            String plan = b.build().toString();
            assertTrue(plan.contains("openat(AT_FDCWD, \"/a\", O_RDONLY, 00)  # gets fd 5"), plan);
            assertTrue(plan.contains("socket(AF_INET, SOCK_DGRAM, 0)  # gets fd 5"), plan);
        }
    }

    @Test
    void refusesToGuessDescriptorsBeforeTheTableIsKnown() {
        try (Arena arena = Arena.ofConfined()) {
            ChildProgram.Builder b = ChildProgram.builder(arena);
            assertThrows(IllegalStateException.class, () -> b.open("/a", linux_h.O_RDONLY(), 0));
            assertThrows(IllegalStateException.class, () -> b.receiveFd(3));
        }
    }

    @Test
    void aReceivedDescriptorTakesTheLowestFreeNumberLikeAnOpen() {
        try (Arena arena = Arena.ofConfined()) {
            ChildProgram.Builder b = ChildProgram.builder(arena).closeFrom(4);
            int opened = b.open("/a", linux_h.O_RDONLY(), 0);
            int first = b.receiveFd(3);
            b.close(opened);
            int second = b.receiveFd(3);
            int third = b.receiveFd(3);
            assertEquals(List.of(4, 5, 4, 6), List.of(opened, first, second, third));
            ChildProgram p = b.build();
            String plan = p.toString();
            assertTrue(plan.contains("2  recvmsg(3, {[1 byte], SCM_RIGHTS [<one fd>]}, MSG_CMSG_CLOEXEC)  [0 fails]"
                    + "  # gets fd 5\n"), plan);
            long step = TrampolineCode.STEP_SIZE;
            assertEquals(linux_h.SYS_recvmsg(), p.code().get(JAVA_LONG, 2 * step + TrampolineCode.STEP_NR));
            assertEquals(3, p.code().get(JAVA_LONG, 2 * step + TrampolineCode.STEP_ARG0));
            assertEquals(linux_h.MSG_CMSG_CLOEXEC(), p.code().get(JAVA_LONG, 2 * step + TrampolineCode.STEP_ARG2));
            assertEquals(TrampolineCode.ZERO_FAILS, p.code().get(JAVA_LONG, 2 * step + TrampolineCode.STEP_FLAGS));
            assertTrue(p.code().get(JAVA_LONG, 2 * step + TrampolineCode.STEP_ARG1)
                    != p.code().get(JAVA_LONG, 4 * step + TrampolineCode.STEP_ARG1),
                    "each receive has its own message: recvmsg rewrites the control length");
        }
    }

    @Test
    void aReceiveThatReadsNothingStopsTheChild() {
        try (Arena arena = Arena.ofConfined()) {
            ChildProgram.Builder b = ChildProgram.builder(arena).closeFrom(4);
            b.receiveFd(3);
            ChildProgram p = b.chdir("/").build();
            setResult(p, 0, 0);
            setResult(p, 1, 0);
            ChildProgram.Failure f = p.failure().orElseThrow();
            assertEquals(1, f.index());
            assertTrue(f.toString().endsWith(": returned 0"), f.toString());
        }
    }

    @Test
    void aFailedStepSaysWhatItSetUpAndForWhichOption() {
        try (Arena arena = Arena.ofConfined()) {
            ChildProgram p = ChildProgram.builder(arena)
                    .setsUpInternals("a private mount tree").mount(null, "/", null, linux_h.MS_SLAVE(), null)
                    .setsUp("the working directory /srv", "workingDir").chdir("/srv")
                    .build();
            setResult(p, 0, 0);
            setResult(p, 1, -linux_h.ENOTDIR());
            ChildProgram.Failure f = p.failure().orElseThrow();
            assertEquals(new Purpose("the working directory /srv", "workingDir"), f.step().purpose());
            assertEquals("the working directory /srv (workingDir)", f.step().purpose().toString());
            assertEquals(Purpose.SETUP, ChildProgram.builder(arena).chdir("/").build().steps().get(0).purpose());
            assertTrue(p.toString().contains("-- the working directory /srv (workingDir)\n  1  chdir(\"/srv\")"), p.toString());
        }
    }

    @Test
    void skipIfMissingSetsTheFlagAndCountOfTheLastStep() {
        try (Arena arena = Arena.ofConfined()) {
            ChildProgram p = ChildProgram.builder(arena)
                    .chdir("/a").skipIfMissing(2).mayFail()
                    .chdir("/b").chdir("/c").chdir("/d")
                    .build();
            long flags = p.code().get(JAVA_LONG, TrampolineCode.STEP_FLAGS);
            assertEquals(TrampolineCode.MAY_FAIL | TrampolineCode.SKIP_ON_ENOENT | (2L << 8), flags,
                    "the count is bits 8..15, next to the flag bits");
            assertEquals(2, p.steps().get(0).skipsIfMissing());
            assertEquals(0, p.steps().get(1).skipsIfMissing());
            assertEquals(0, p.code().get(JAVA_LONG, TrampolineCode.STEP_SIZE + TrampolineCode.STEP_FLAGS));
            assertTrue(p.toString().contains("0  chdir(\"/a\")  [may fail, skips 2 if missing]\n"), p.toString());
        }
    }

    @Test
    void skipIfMissingIsValidated() {
        try (Arena arena = Arena.ofConfined()) {
            assertThrows(IllegalArgumentException.class, () -> ChildProgram.builder(arena).chdir("/").skipIfMissing(256));
            assertThrows(IllegalArgumentException.class, () -> ChildProgram.builder(arena).chdir("/").skipIfMissing(-1));
            assertThrows(IllegalStateException.class, () -> ChildProgram.builder(arena).skipIfMissing(1), "no step yet");
            assertThrows(IllegalStateException.class,
                    () -> ChildProgram.builder(arena).chdir("/").skipIfMissing(1).skipIfMissing(2), "set twice");
            // The skipped steps must exist: skipping past the end marker would run whatever follows it.
            IllegalStateException tooFew = assertThrows(IllegalStateException.class,
                    () -> ChildProgram.builder(arena).chdir("/a").skipIfMissing(2).chdir("/b").build());
            assertTrue(tooFew.getMessage().contains("skips 2 if missing, but only 1 follow"), tooFew.getMessage());
            ChildProgram.builder(arena).chdir("/a").skipIfMissing(1).chdir("/b").build();   // exactly enough
            ChildProgram.builder(arena).chdir("/a").skipIfMissing(0).build();               // ENOENT only tolerated
            // The step it resumes at would see -ENOENT as "the previous result" on one path only.
            assertThrows(IllegalStateException.class, () -> ChildProgram.builder(arena)
                    .chdir("/a").skipIfMissing(1).chdir("/b").closePrevious().build());
        }
    }

    @Test
    void aMissingPathSkipsAndDoesNotStopTheChild() {
        try (Arena arena = Arena.ofConfined()) {
            ChildProgram p = ChildProgram.builder(arena)
                    .chdir("/missing").skipIfMissing(2)
                    .chdir("/a").chdir("/b")
                    .chdir("/c")
                    .build();
            setResult(p, 0, -linux_h.ENOENT());
            setResult(p, 3, 0);
            assertTrue(p.failure().isEmpty(), "ENOENT on a skipping step is no failure");
            assertTrue(p.failed(0) && p.foundMissing(0));
            assertTrue(p.skipped(1) && p.skipped(2) && !p.skipped(3));
            String run = p.describeRun();
            assertTrue(run.contains("0  chdir(\"/missing\") = -1 ENOENT (No such file or directory)  <- missing, skipped the next 2"
                    + "  [skips 2 if missing]\n"), run);
            assertTrue(run.contains("1  chdir(\"/a\") (skipped)\n"), run);
            assertTrue(run.contains("2  chdir(\"/b\") (skipped)\n"), run);
            assertTrue(run.contains("3  chdir(\"/c\") = 0\n"), run);
            assertFalse(run.contains("stopped here"), run);
        }
    }

    @Test
    void anotherErrnoOnASkippingStepStopsTheChild() {
        try (Arena arena = Arena.ofConfined()) {
            ChildProgram p = ChildProgram.builder(arena)
                    .chdir("/file").skipIfMissing(1)
                    .chdir("/a")
                    .build();
            setResult(p, 0, -linux_h.ENOTDIR());
            ChildProgram.Failure f = p.failure().orElseThrow();
            assertEquals(0, f.index());
            assertEquals(linux_h.ENOTDIR(), f.errno());
            assertFalse(p.foundMissing(0));
            assertFalse(p.skipped(1), "the child stopped; it did not skip");
            String run = p.describeRun();
            assertTrue(run.contains("<- stopped here"), run);
            assertTrue(run.contains("1  chdir(\"/a\") (not run)\n"), run);
        }
    }

    @Test
    void successOnASkippingStepSkipsNothing() {
        try (Arena arena = Arena.ofConfined()) {
            ChildProgram p = ChildProgram.builder(arena)
                    .chdir("/there").skipIfMissing(1)
                    .chdir("/a")
                    .build();
            setResult(p, 0, 0);
            setResult(p, 1, 0);
            assertTrue(p.failure().isEmpty());
            assertFalse(p.foundMissing(0) || p.skipped(1));
            assertTrue(p.describeRun().contains("1  chdir(\"/a\") = 0\n"), p.describeRun());
        }
    }

    @Test
    void aProgramWrittenInTwoPartsIsTheProgramWrittenAtOnce() {
        try (Arena arena = Arena.ofConfined()) {
            ChildProgram whole = ChildProgram.builder(arena).setsid().read(3, 1).zeroFails().chdir("/").mayFail()
                    .close(7).build();
            ChildProgram.Builder b = ChildProgram.builder(arena).setsid().read(3, 1).zeroFails();
            ChildProgram first = b.buildFirstPart(4);
            assertEquals(TrampolineCode.END_OF_PROGRAM,
                    first.code().get(JAVA_LONG, 2 * TrampolineCode.STEP_SIZE + TrampolineCode.STEP_NR),
                    "the first part ends where the wait is, until the rest is written");
            assertThrows(IllegalStateException.class, b::mayFail, "a written step's flags cannot change");
            ChildProgram two = b.chdir("/").mayFail().close(7).build();
            assertSame(first.code(), two.code(), "the rest goes into the first part's room");
            assertEquals(whole.toString(), two.toString());
            for (int i = 0; i <= whole.steps().size(); i++) { // and the end marker
                for (long field : new long[] {TrampolineCode.STEP_NR, TrampolineCode.STEP_FLAGS, TrampolineCode.STEP_RESULT}) {
                    long at = i * TrampolineCode.STEP_SIZE + field;
                    assertEquals(whole.code().get(JAVA_LONG, at), two.code().get(JAVA_LONG, at), "step " + i + " at " + field);
                }
            }
        }
    }

    @Test
    void theRestMustFitTheRoomTheFirstPartLeft() {
        try (Arena arena = Arena.ofConfined()) {
            ChildProgram.Builder b = ChildProgram.builder(arena).read(3, 1).zeroFails();
            b.buildFirstPart(1);
            b.chdir("/").chdir("/");
            IllegalStateException e = assertThrows(IllegalStateException.class, b::build);
            assertTrue(e.getMessage().contains("2 steps were added after the first part, which left room for 1"),
                    e.getMessage());
            assertThrows(IllegalStateException.class, () -> b.buildFirstPart(1), "only one first part");
        }
    }
}
