package dev.hako.cgroup;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The freezers of one container, and which of them pause and resume use. On v2 there is
 * only cgroup.freeze and on v1 only the freezer controller, but a hybrid machine has both,
 * and each freezes only what is in its own directory.
 */
final class Freezers {
    private final CgroupPaths paths;
    /** Null without a v1 freezer hierarchy. */
    private final V1Freezer v1;
    /** Null without a v2 mount; one that is not {@link Freezer#available()} on kernels before 5.2. */
    private final V2Freezer v2;

    Freezers(CgroupPaths paths) {
        this.paths = paths;
        this.v1 = paths.v1(Controller.FREEZER).map(V1Freezer::new).orElse(null);
        this.v2 = paths.unified().map(V2Freezer::new).orElse(null);
    }

    /** The v1 freezer, for killing without a process escaping by fork; null without one. */
    V1Freezer v1() {
        return v1;
    }

    /**
     * Freezes through v2's cgroup.freeze where the container's processes are in its v2
     * directory, else through the v1 freezer.
     *
     * @throws CgroupException if there is no freezer, or freezing did not finish in time
     */
    void freeze() throws IOException {
        Freezer freezer = chosen();
        if (freezer == null) {
            throw noFreezer("freeze");
        }
        freezer.freeze();
    }

    /**
     * v2 is preferred, being exact (cgroup.events says when all are frozen) and the only one
     * on pure v2; but on a hybrid machine the processes may be in the v1 directories alone
     * (neither cloned into the v2 one nor added to it), and then only v1 reaches them.
     */
    private Freezer chosen() throws IOException {
        boolean v2Usable = v2 != null && v2.available();
        if (v2Usable && (v1 == null || paths.unifiedPopulated())) {
            return v2;
        }
        return v1;
    }

    /** Thaws every freezer that is not thawed, whichever froze it. Does nothing if none is frozen. */
    void thaw() throws IOException {
        List<Freezer> present = new ArrayList<>();
        if (v2 != null && v2.available()) {
            present.add(v2);
        }
        if (v1 != null) {
            present.add(v1);
        }
        if (present.isEmpty()) {
            throw noFreezer("thaw");
        }
        for (Freezer freezer : present) {
            if (!freezer.isThawed()) {
                freezer.thaw();
            }
        }
    }

    /** Whether any freezer of the cgroup is not thawed (frozen, or freezing). */
    boolean isFrozen() throws IOException {
        return v2 != null && v2.available() && !v2.isThawed() || v1 != null && !v1.isThawed();
    }

    private CgroupException noFreezer(String action) {
        return new CgroupException("cannot " + action + " the cgroup of container " + paths.id()
                + ": there is no freezer, neither cgroup v2's cgroup.freeze (Linux 5.2+) nor a v1 freezer hierarchy ("
                + paths.layout() + ")");
    }
}
