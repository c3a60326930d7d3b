package dev.hako.cli;

import dev.hako.oci.ContainerState;
import dev.hako.oci.OciException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/** state, list, ps and events: what runc tells about containers, in runc's formats. */
final class Queries {

    /** More than any ps prints for a host's processes; a bound on what is read from it. */
    private static final int PS_OUTPUT_LIMIT = 64 << 20;

    private Queries() {
    }

    static final Flag FORMAT = Flag.string("format", "select one of: table or json", "f");

    static List<Command> commands() {
        return List.of(
                Command.of("state", "<container-id>", "output the state of a container", 1, List.of(), inv -> {
                    inv.io().out().print(StateJson.indented(inv.runtime().state(inv.id())));
                    inv.io().out().flush();
                    return 0;
                }),
                Command.of("list", "", "lists containers started by hako with the given root", 0,
                        List.of(FORMAT, Flag.bool("quiet", "display only container IDs", "q")), Queries::list),
                Command.of("ps", "<container-id> [ps options]", "ps displays the processes running inside a container",
                        1, List.of(FORMAT), Queries::ps).arity(1, Integer.MAX_VALUE).stoppingAfter(1),
                Command.of("events", "<container-id>", "display container events such as OOM notifications, cpu,"
                                + " memory, and IO usage statistics", 1,
                        List.of(Flag.duration("interval", "set the stats collection interval (default: 5s)"),
                                Flag.bool("stats", "display the container's stats then exit")),
                        Queries::events));
    }

    private static String format(Invocation inv) throws UsageException {
        String f = inv.args().isSet("format") ? inv.args().string("format") : "table";
        if (!f.equals("table") && !f.equals("json")) {
            throw new UsageException("invalid format option");
        }
        return f;
    }

    private static int list(Invocation inv) throws Exception {
        String format = format(inv);
        List<ContainerState> states = inv.runtime().list();
        StringBuilder out = new StringBuilder();
        if (inv.args().bool("quiet")) {
            states.forEach(s -> out.append(s.id()).append('\n'));
        } else if (format.equals("json")) {
            out.append(StateJson.array(states));
        } else {
            out.append(StateJson.table(states));
        }
        inv.io().out().print(out);
        inv.io().out().flush();
        return 0;
    }

    /**
     * The table runs the host's {@code ps} with the given options (default {@code -ef}) and
     * keeps its header and the container's lines, as runc does: engines pass ps options
     * ({@code docker top ID -o pid,args}) and parse the header's PID column
     * (go-runc's ParsePSOutput), which only the real ps answers for every option.
     */
    private static int ps(Invocation inv) throws Exception {
        String format = format(inv);
        List<Long> pids = inv.runtime().pids(inv.id());
        if (format.equals("json")) {
            inv.io().out().print(pids.isEmpty() ? "null\n" : pids.toString().replace(" ", "") + "\n");
            inv.io().out().flush();
            return 0;
        }
        List<String> psArgs = inv.args().positional().subList(1, inv.args().positional().size());
        List<String> command = new ArrayList<>();
        command.add(psBinary(inv));
        command.addAll(psArgs.isEmpty() ? List.of("-ef") : psArgs);
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(
                new java.io.File("/dev/null"))).start();
        byte[] bytes = p.getInputStream().readNBytes(PS_OUTPUT_LIMIT);
        p.getInputStream().close();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new OciException("ps did not finish in 60 s");
        }
        String output = new String(bytes, StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            throw new OciException("ps " + String.join(" ", psArgs) + ": exit status " + p.exitValue() + ": "
                    + output.strip());
        }
        inv.io().out().print(containerLines(output, new HashSet<>(pids)));
        inv.io().out().flush();
        return 0;
    }

    /** ps's header and the lines whose PID column is one of {@code pids}. */
    static String containerLines(String psOutput, Set<Long> pids) throws OciException {
        String[] lines = psOutput.split("\n", -1);
        List<String> titles = List.of(lines[0].strip().split("\\s+"));
        int pidIndex = titles.indexOf("PID");
        if (pidIndex < 0) {
            throw new OciException("couldn't find PID field in ps output");
        }
        StringBuilder b = new StringBuilder(lines[0]).append('\n');
        for (int i = 1; i < lines.length; i++) {
            if (lines[i].isEmpty()) {
                continue;
            }
            String[] fields = lines[i].strip().split("\\s+");
            long pid;
            try {
                pid = Long.parseLong(fields[pidIndex]);
            } catch (RuntimeException e) {
                throw new OciException("unable to parse pid: " + lines[i]);
            }
            if (pids.contains(pid)) {
                b.append(lines[i]).append('\n');
            }
        }
        return b.toString();
    }

    /** ps from PATH, or from /usr/bin or /bin when the engine gave no PATH. */
    private static String psBinary(Invocation inv) {
        String path = inv.io().env().getOrDefault("PATH", "");
        List<String> dirs = new ArrayList<>(List.of(path.split(":")));
        dirs.addAll(List.of("/usr/bin", "/bin"));
        for (String dir : dirs) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "ps"))) {
                return Path.of(dir, "ps").toString();
            }
        }
        return "ps";
    }

    /**
     * {@code --stats}: one stats event. Without: one every interval until the container has
     * stopped or is gone (runc's ends with the container too, when its OOM notifications close).
     */
    private static int events(Invocation inv) throws Exception {
        Duration interval = inv.args().duration("interval", Duration.ofSeconds(5));
        if (interval.isNegative() || interval.isZero()) {
            throw new UsageException("duration interval must be greater than 0");
        }
        String id = inv.id();
        if (inv.runtime().state(id).status().equals("stopped")) {
            throw new OciException("container with id " + id + " is not running");
        }
        if (inv.args().bool("stats")) {
            printEvent(inv, inv.runtime().statsEvent(id));
            return 0;
        }
        while (true) {
            Thread.sleep(interval);
            try {
                if (inv.runtime().state(id).status().equals("stopped")) {
                    return 0;
                }
            } catch (IOException gone) {
                inv.log().debug("events: " + id + " is gone: " + gone.getMessage());
                return 0;
            }
            try {
                printEvent(inv, inv.runtime().statsEvent(id));
            } catch (IOException e) {
                // runc logs a failed collection and tries again at the next tick
                inv.log().error(e.getMessage());
            }
        }
    }

    private static void printEvent(Invocation inv, String event) {
        inv.io().out().print(event.strip() + "\n");
        inv.io().out().flush();
    }
}
