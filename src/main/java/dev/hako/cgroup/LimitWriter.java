package dev.hako.cgroup;

import dev.hako.cgroup.CgroupLayout.Location;
import dev.hako.cgroup.LimitOption.FileWrite;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Checks that limits can be applied, and applies them, one {@link FileWrite} at a time.
 * Which file and value on which version is {@link LimitOption}'s to say; this only finds
 * the directory and reports what went wrong.
 */
final class LimitWriter {
    private LimitWriter() {
    }

    /** Fails, before anything is made, when a limit's controller is missing. */
    static void requireControllers(CgroupLayout layout, CgroupLimits limits) throws CgroupException {
        for (LimitOption option : LimitOption.values()) {
            Controller c = option.controller();
            if (option.isSet(limits) && layout.location(c) == Location.NONE) {
                String name = c.v1Name() + c.v2Name().filter(n -> !n.equals(c.v1Name()))
                        .map(n -> " (" + n + " on cgroup v2)").orElse("");
                throw new CgroupException(option.option() + " needs the " + name + " controller, which is not"
                        + " mounted/enabled on this machine (" + layout + "): leave " + option.option()
                        + " unset, or mount the controller");
            }
        }
    }

    /**
     * Writes every limit that is set, in {@link LimitOption} order (across hierarchies too,
     * so that the first failure reported does not depend on the layout), each in the
     * directory and the format of the hierarchy version its controller is on.
     */
    static void apply(CgroupPaths paths, CgroupLimits limits) throws IOException {
        for (LimitOption option : LimitOption.values()) {
            if (!option.isSet(limits)) {
                continue;
            }
            Controller c = option.controller();
            for (FileWrite write : option.writes(limits, paths.onV2(c))) {
                write(paths.directoryFor(c), write);
            }
        }
    }

    /**
     * Writes {@code write} to the first of its files that exists in {@code dir}; an error
     * names the option, the file, the value and the kernel's reason.
     */
    static void write(Path dir, FileWrite write) throws IOException {
        LimitOption option = write.option();
        FileWrite.Target target = write.targets().stream()
                .filter(t -> Files.exists(dir.resolve(t.file()))).findFirst().orElse(null);
        if (target == null) {
            List<String> files = write.targets().stream().map(FileWrite.Target::file).toList();
            String hint = option.missingHint() != null ? option.missingHint()
                    : "the " + option.controller().v1Name() + " controller is not enabled for this cgroup";
            throw new CgroupException("cannot set " + option.option() + ": " + (files.size() == 1
                    ? files.get(0) + " does not exist" : "none of " + String.join(", ", files) + " exists")
                    + " in " + dir + "; " + hint);
        }
        Path file = dir.resolve(target.file());
        try {
            CgroupFiles.write(file, target.value());
        } catch (IOException e) {
            String why = CgroupFiles.reason(e);
            if (option.controller() == Controller.CPUSET) {
                Path inParent = dir.getParent().resolve(target.file());
                if (Files.exists(inParent)) {
                    why += " (it must lie within the parent's " + target.file() + ", \""
                            + CgroupFiles.read(inParent) + "\")";
                }
            }
            throw new CgroupException("cannot set " + option.option() + ": writing \"" + target.value()
                    + "\" to " + file + " failed: " + why, e);
        }
    }

}
