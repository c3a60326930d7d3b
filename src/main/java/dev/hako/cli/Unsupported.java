package dev.hako.cli;

import dev.hako.oci.OciException;

import java.util.List;

/** checkpoint and restore: refused, whatever their flags; hako has no CRIU. */
final class Unsupported {

    private Unsupported() {
    }

    static List<Command> commands() {
        return List.of(refused("checkpoint", "checkpoint a running container"),
                refused("restore", "restore a container from a previous checkpoint"));
    }

    private static Command refused(String name, String summary) {
        return Command.of(name, "<container-id>", summary + " (not supported by hako)", 0, List.of(), inv -> {
            throw new OciException(name + " is not supported by hako: it has no checkpoint/restore (CRIU)");
        }).arity(0, Integer.MAX_VALUE).withoutFlagParsing();
    }
}
