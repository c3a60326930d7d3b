package dev.hako.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A child JVM's main for {@code TestUserIT}: prints who it runs as, one line each,
 * {@code uid R E}, {@code gid R E}, {@code groups ...}, {@code capeff HEX}, {@code capbnd HEX},
 * {@code user.name NAME}, {@code user.home DIR}, {@code HOME DIR}, {@code cwd DIR}, and the
 * argument count and arguments, then exits with the code given as the first argument.
 */
public final class WhoAmI {
    private WhoAmI() {
    }

    public static void main(String[] args) throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            String[] f = line.split("\\s+");
            switch (f[0]) {
                case "Uid:" -> System.out.println("uid " + f[1] + " " + f[2]);
                case "Gid:" -> System.out.println("gid " + f[1] + " " + f[2]);
                case "Groups:" -> System.out.println(("groups " + line.substring("Groups:".length()).strip()).strip());
                case "CapEff:" -> System.out.println("capeff " + f[1]);
                case "CapBnd:" -> System.out.println("capbnd " + f[1]);
                default -> { }
            }
        }
        System.out.println("user.name " + System.getProperty("user.name"));
        System.out.println("user.home " + System.getProperty("user.home"));
        System.out.println("HOME " + System.getenv("HOME"));
        System.out.println("cwd " + Path.of("").toAbsolutePath());
        System.out.println("args " + args.length + " " + String.join("|", args));
        System.err.println("to stderr");
        System.exit(args.length > 0 ? Integer.parseInt(args[0]) : 0);
    }
}
