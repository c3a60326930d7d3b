package dev.hako.oci;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * One container's directory under the runtime's root: {@code state.json}, the {@code lock}
 * file that serializes the commands on it (an fcntl lock: released by the kernel when a
 * command dies, so a crash never leaves it held), and the {@code exec.fifo} its process
 * waits on while created. The directory's creation is what makes an id taken.
 */
final class StateDirectory {
    /** runc's rule for ids: they name directories and cgroups. */
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9_+.\\-]{1,1024}");
    static final ObjectMapper JSON = new ObjectMapper().disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);

    private final String id;
    private final Path dir;

    private StateDirectory(String id, Path dir) {
        this.id = id;
        this.dir = dir;
    }

    static void checkId(String id) throws OciException {
        if (id == null || id.isEmpty()) {
            throw new OciException("container id cannot be empty");
        }
        if (!ID.matcher(id).matches() || id.equals(".") || id.equals("..")) {
            throw new OciException("invalid container id format: " + id
                    + " (letters, digits and _ + . - only)");
        }
    }

    /** Makes the directory of a new container; refuses an id that is taken. */
    static StateDirectory create(Path root, String id) throws IOException {
        checkId(id);
        Files.createDirectories(root);
        Path dir = root.resolve(id);
        try {
            // Searchable by all: a container's user reopens exec.fifo below it.
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx--x--x")));
        } catch (FileAlreadyExistsException e) {
            throw new OciException("container with id " + id + " already exists");
        }
        return new StateDirectory(id, dir);
    }

    static boolean exists(Path root, String id) {
        return Files.isDirectory(root.resolve(id));
    }

    /** The directory of an existing container. */
    static StateDirectory open(Path root, String id) throws OciException {
        checkId(id);
        Path dir = root.resolve(id);
        if (!Files.isDirectory(dir)) {
            throw new OciException("container " + id + " does not exist");
        }
        return new StateDirectory(id, dir);
    }

    /** The ids of every container directory under {@code root}, sorted. */
    static List<String> ids(Path root) throws IOException {
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        List<String> ids = new ArrayList<>();
        try (Stream<Path> list = Files.list(root)) {
            list.filter(Files::isDirectory).map(p -> p.getFileName().toString())
                    .filter(n -> ID.matcher(n).matches()).sorted().forEach(ids::add);
        }
        return ids;
    }

    String id() {
        return id;
    }

    Path fifo() {
        return dir.resolve("exec.fifo");
    }

    /** Held until closed; other commands on this container wait for it. */
    FileChannel lock() throws IOException {
        FileChannel channel = FileChannel.open(dir.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        try {
            FileLock ignored = channel.lock();
            return channel;
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /** Whether a command holds the lock now (in this JVM or another). */
    boolean isLocked() {
        try (FileChannel channel = FileChannel.open(dir.resolve("lock"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE)) {
            FileLock held = channel.tryLock();
            if (held == null) {
                return true;
            }
            held.release();
            return false;
        } catch (java.nio.channels.OverlappingFileLockException e) {
            return true; // this JVM holds it
        } catch (IOException e) {
            return false;
        }
    }

    /** The state the last command wrote; a directory without one is a create that died before its first write. */
    StoredState read() throws IOException {
        try {
            return JSON.readValue(dir.resolve("state.json").toFile(), StoredState.class);
        } catch (NoSuchFileException | java.io.FileNotFoundException e) {
            return new StoredState(null, id, StoredState.CREATING, 0, 0, null, null, null, null, null, List.of(), null);
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new OciException("the state of container " + id + " (" + dir.resolve("state.json")
                    + ") is not valid: " + e.getOriginalMessage() + "; delete the container with --force");
        }
    }

    /** Replaces state.json at once (written beside it, then renamed), so a reader never sees half of it. */
    void write(StoredState state) throws IOException {
        Path tmp = dir.resolve("state.json.tmp");
        JSON.writeValue(tmp.toFile(), state);
        try {
            Files.move(tmp, dir.resolve("state.json"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, dir.resolve("state.json"), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Removes the directory and what is in it. */
    void remove() throws IOException {
        try (Stream<Path> list = Files.list(dir)) {
            for (Path p : list.toList()) {
                Files.deleteIfExists(p);
            }
        } catch (NoSuchFileException e) {
            return;
        }
        try {
            Files.deleteIfExists(dir);
        } catch (DirectoryNotEmptyException e) {
            throw new OciException("could not remove the state of container " + id + " (" + dir + "): not empty");
        }
    }
}
