package dev.hako.spec;

/**
 * One line of a uid or gid map ({@code linux.uidMappings}, a mount's {@code uidMappings}):
 * {@code size} ids from {@code containerID} inside are those from {@code hostID} outside.
 */
public record IdMap(Long containerID, Long hostID, Long size) {
}
