package dev.hako.cgroup;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Making and removing the directories of one container's cgroup, the same on v1 and v2.
 * It keeps every directory it made and has not removed yet, in creation order, so that
 * nothing is left half-made when creation fails and so that removal goes in reverse.
 * Parents are shared by containers: they are made where missing but never kept here.
 *
 * <p>Not thread-safe: {@link ContainerCgroup} calls it under its own lock.
 */
final class OwnDirectories {
    /** How long rmdir is retried while processes are still exiting. */
    static final Duration REMOVE_TIMEOUT = Duration.ofSeconds(5);

    private final String id;
    private final CgroupDirectories directories;
    private final List<Path> made = new ArrayList<>();

    OwnDirectories(String id, CgroupDirectories directories) {
        this.id = id;
        this.directories = directories;
    }

    /** See {@link CgroupTree#makeParents}; the parents are not this container's to remove. */
    Path makeParents(Path mount, List<String> parentPath, boolean cpuset, Set<String> enable) throws IOException {
        return CgroupTree.makeParents(mount, parentPath, cpuset, enable, directories);
    }

    /** Makes the container's own directory in {@code parent}, which must not exist yet. */
    Path makeIn(Path parent) throws IOException {
        Path dir = parent.resolve(id);
        try {
            directories.mkdir(dir);
        } catch (FileAlreadyExistsException e) {
            // Taking it over would mix two containers' processes and limits.
            throw new CgroupException("cgroup " + dir + " already exists: a container with id " + id
                    + " is running, or one was not cleaned up; use another id, or remove it (rmdir " + dir + ")", e);
        } catch (IOException e) {
            throw new CgroupException("cannot create cgroup " + dir + ": " + CgroupFiles.reason(e), e);
        }
        made.add(dir);
        return dir;
    }

    /** Takes on {@code dir}, made by another process for the same container ({@code ContainerCgroup.reopen}). */
    void adopt(Path dir) {
        made.add(dir);
    }

    /** The directories that exist now, in creation order. */
    List<Path> list() {
        return List.copyOf(made);
    }

    /**
     * The usual case, tried first: every directory is an empty leaf (the container's
     * processes are gone and it made no cgroups of its own), so one rmdir each does it,
     * without reading a file. The kernel refuses the rmdir of a populated cgroup or one
     * with children, and then this returns false for {@link #removeAll()} to do it carefully.
     */
    boolean removeIfEmptyLeaves() {
        for (int i = made.size() - 1; i >= 0; i--) {
            try {
                directories.rmdir(made.get(i));
            } catch (NoSuchFileException e) {
                // already gone
            } catch (IOException e) {
                return false;
            }
            made.remove(i);
        }
        return true;
    }

    /**
     * Removes every directory, child cgroups first, retrying each for up to 5 s in all
     * while processes finish exiting.
     *
     * @throws CgroupException naming the directories that could not be removed, and why
     */
    void removeAll() throws IOException {
        long deadline = System.nanoTime() + REMOVE_TIMEOUT.toNanos();
        Map<Path, String> failed = new LinkedHashMap<>();
        for (int i = made.size() - 1; i >= 0; i--) {
            Path own = made.get(i);
            for (Path dir : CgroupTree.subtree(own)) {
                String why = rmdir(dir, deadline);
                if (why != null) {
                    failed.put(dir, why);
                }
            }
            if (!Files.exists(own)) {
                made.remove(i);
            }
        }
        if (!failed.isEmpty()) {
            throw new CgroupException("could not remove the cgroup of container " + id + " within "
                    + REMOVE_TIMEOUT.toSeconds() + " s: " + failed.entrySet().stream()
                    .map(e -> e.getKey() + " (" + e.getValue() + ")").collect(Collectors.joining(", ")));
        }
    }

    /** rmdir, retried until {@code deadline}; returns null when removed, else the last reason. */
    private String rmdir(Path dir, long deadline) throws IOException {
        String[] reason = {null};
        Duration left = Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
        boolean removed = CgroupFiles.await(left, () -> {
            try {
                directories.rmdir(dir);
                return true;
            } catch (NoSuchFileException e) {
                return true;
            } catch (IOException e) {
                reason[0] = CgroupFiles.reason(e);
                List<Long> pids = CgroupFiles.pids(dir.resolve("cgroup.procs"));
                if (!pids.isEmpty()) {
                    reason[0] += "; processes " + pids + " are in it";
                }
                return false;
            }
        });
        return removed ? null : reason[0];
    }
}
