package dev.hako.cgroup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Making and removing cgroup directories, and what v2 attaches to them rather than writes
 * into a file (the device program). On cgroupfs, mkdir makes a cgroup, which the
 * kernel fills with its interface files, and rmdir removes one, files and all. Tests on a
 * plain directory tree laid out like cgroupfs supply their own, which play the kernel's part.
 */
interface CgroupDirectories {

    /** The real thing: mkdir(2) and rmdir(2). */
    CgroupDirectories KERNEL = new CgroupDirectories() {
        @Override
        public void mkdir(Path dir) throws IOException {
            Files.createDirectory(dir);
        }

        @Override
        public void rmdir(Path dir) throws IOException {
            Files.delete(dir);
        }

        @Override
        public void attachDevicePolicy(Path dir, DeviceProgram program) throws IOException {
            DeviceCgroup.attachV2(dir, program);
        }
    };

    /**
     * Makes the cgroup {@code dir}.
     *
     * @throws java.nio.file.FileAlreadyExistsException if it exists
     */
    void mkdir(Path dir) throws IOException;

    /**
     * Removes the cgroup {@code dir}.
     *
     * @throws java.nio.file.NoSuchFileException if it does not exist
     * @throws java.nio.file.FileSystemException with reason "Device or resource busy"
     *         while it has processes or child cgroups
     */
    void rmdir(Path dir) throws IOException;

    /**
     * Attaches {@code program} to the v2 cgroup {@code dir} as its device policy (a BPF
     * program, which a plain directory tree can only record).
     */
    void attachDevicePolicy(Path dir, DeviceProgram program) throws IOException;

    /**
     * Whether a container with a device policy also gets v1 devices rules where a v2
     * hierarchy enforces the policy already (the kernel's directories: no). For tests of the
     * v1 form on hybrid machines.
     */
    default boolean v1DeviceRulesBesideV2() {
        return false;
    }
}
