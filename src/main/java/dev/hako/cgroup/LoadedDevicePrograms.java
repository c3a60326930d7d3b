package dev.hako.cgroup;

import dev.hako.linux.Libc;

import java.util.HashMap;
import java.util.Map;

/**
 * Device programs loaded into the kernel once per JVM and kept, one descriptor each, so
 * that a start only attaches. Most JVMs use one program (Docker's default list) or a few;
 * beyond {@link #KEPT} distinct programs, a program is loaded for one use and closed after
 * it, so a JVM that makes many different device lists holds no more than that many fds.
 */
final class LoadedDevicePrograms {
    static final int KEPT = 8;
    private static final Map<DeviceProgram, Integer> LOADED = new HashMap<>();

    /** A loaded program for one attach; closing it closes the fd unless it is kept. */
    record Loaded(int fd, boolean kept) implements AutoCloseable {
        @Override
        public void close() {
            if (!kept) {
                Libc.closeQuietly(fd);
            }
        }
    }

    /** Loads the program. */
    interface Loader {
        int load() throws CgroupException;
    }

    private LoadedDevicePrograms() {
    }

    static synchronized Loaded get(DeviceProgram program, Loader loader) throws CgroupException {
        Integer fd = LOADED.get(program);
        if (fd != null) {
            return new Loaded(fd, true);
        }
        int loaded = loader.load();
        if (LOADED.size() < KEPT) {
            LOADED.put(program, loaded);
            return new Loaded(loaded, true);
        }
        return new Loaded(loaded, false);
    }
}
