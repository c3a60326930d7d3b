package dev.hako.net;

import java.io.IOException;
import java.io.InputStream;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * What a resolv.conf says, as resolv.conf(5) reads it: {@code nameserver} lines (IP
 * literals; anything else is skipped), the last {@code search} or {@code domain} line,
 * and every {@code options} token. Lines that are comments ({@code #} or {@code ;}),
 * unknown, too long or hold control characters (a NUL) are skipped, each noted in
 * {@link #skipped()}; a file is read only up to {@value #MAX_BYTES} bytes.
 *
 * @param nameservers the servers, as written (IPv6 ones may carry a zone: {@code fe80::1%eth0})
 * @param search the search domains
 * @param options the options ({@code ndots:2}, {@code edns0}, ...)
 * @param skipped what was skipped and why, for a person reading
 */
public record ResolvConf(List<String> nameservers, List<String> search, List<String> options, List<String> skipped) {
    /** Far more than any real resolv.conf; the rest of a larger file is not read. */
    public static final int MAX_BYTES = 64 * 1024;
    static final int MAX_LINE = 1024;
    private static final Pattern DOMAIN = Pattern.compile("[A-Za-z0-9_]([A-Za-z0-9_.-]{0,251}[A-Za-z0-9_.])?");
    private static final Pattern OPTION = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}");
    private static final int MAX_SKIPPED_NOTES = 10;

    /** Copies the lists. */
    public ResolvConf {
        nameservers = List.copyOf(nameservers);
        search = List.copyOf(search);
        options = List.copyOf(options);
        skipped = List.copyOf(skipped);
    }

    /** Reads {@code file} (up to {@value #MAX_BYTES} bytes, and only if it is a regular file: a FIFO would block). */
    public static String readBounded(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + " is not a regular file");
        }
        try (InputStream in = Files.newInputStream(file)) {
            return new String(in.readNBytes(MAX_BYTES), StandardCharsets.UTF_8);
        }
    }

    /** Parses resolv.conf text; never fails: what it cannot use, it skips and notes. */
    public static ResolvConf parse(String text) {
        if (text.length() > MAX_BYTES) {
            text = text.substring(0, MAX_BYTES);
        }
        List<String> servers = new ArrayList<>();
        List<String> search = new ArrayList<>();
        List<String> options = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        int number = 0;
        for (String line : text.split("\n", -1)) {
            number++;
            String why = parseLine(line, servers, search, options);
            if (why != null && skipped.size() < MAX_SKIPPED_NOTES) {
                skipped.add("line " + number + " " + why);
            }
        }
        return new ResolvConf(servers, search, options, skipped);
    }

    /** Adds what the line says; returns why it was skipped, or null. */
    private static String parseLine(String line, List<String> servers, List<String> search, List<String> options) {
        if (line.endsWith("\r")) {
            line = line.substring(0, line.length() - 1);
        }
        if (line.isBlank() || line.startsWith("#") || line.startsWith(";")) {
            return null;
        }
        if (line.length() > MAX_LINE) {
            return "is longer than " + MAX_LINE + " characters";
        }
        if (line.chars().anyMatch(c -> c < 0x20 && c != '\t' || c == 0x7f)) {
            return "holds control characters: " + Texts.quote(line);
        }
        String[] words = line.trim().split("[ \t]+");
        switch (words[0]) {
            case "nameserver" -> {
                if (words.length < 2 || !isIpLiteral(words[1])) {
                    return "names no IP address: " + Texts.quote(line);
                }
                servers.add(words[1]);
            }
            case "search", "domain" -> {
                List<String> domains = new ArrayList<>();
                for (int i = 1; i < words.length && !words[i].startsWith("#"); i++) {
                    if (!DOMAIN.matcher(words[i]).matches()) {
                        return "holds " + Texts.quote(words[i]) + ", which is not a domain";
                    }
                    domains.add(words[i]);
                }
                search.clear(); // the last search or domain line wins
                search.addAll(words[0].equals("domain") && domains.size() > 1 ? domains.subList(0, 1) : domains);
            }
            case "options" -> {
                for (int i = 1; i < words.length && !words[i].startsWith("#"); i++) {
                    if (!OPTION.matcher(words[i]).matches()) {
                        return "holds " + Texts.quote(words[i]) + ", which is not an option";
                    }
                    options.add(words[i]);
                }
            }
            default -> {
                return "is not a nameserver, search, domain or options line: " + Texts.quote(line);
            }
        }
        return null;
    }

    /** Whether {@code text} is an IPv4 or IPv6 literal (with an optional zone), never asking a resolver. */
    static boolean isIpLiteral(String text) {
        if (text.length() > 64) {
            return false;
        }
        if (text.indexOf(':') < 0) {
            try {
                Ipv4Address.parse(text);
                return true;
            } catch (IllegalArgumentException e) {
                return false;
            }
        }
        int zone = text.indexOf('%');
        String address = zone < 0 ? text : text.substring(0, zone);
        if (address.isEmpty() || !address.chars().allMatch(c -> Character.digit(c, 16) >= 0 || c == ':' || c == '.')) {
            return false;
        }
        if (zone >= 0 && !text.substring(zone + 1).matches("[A-Za-z0-9_.-]{1,15}")) {
            return false;
        }
        try {
            return InetAddress.ofLiteral(address) instanceof Inet6Address;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /**
     * Whether a container on a bridge cannot reach this server: a loopback address (its own
     * 127.0.0.0/8 and ::1 are the container's, not the host's), the unspecified address
     * (which means "this host"), or an IPv6 address with a zone (a link of the host).
     */
    static boolean unreachableFromABridge(String server) {
        if (server.indexOf('%') >= 0) {
            return true;
        }
        if (server.indexOf(':') < 0) {
            Ipv4Address a = Ipv4Address.parse(server);
            return a.isLoopback() || a.bits() == 0;
        }
        InetAddress a = InetAddress.ofLiteral(server);
        return a.isLoopbackAddress() || a.isAnyLocalAddress() || a.isLinkLocalAddress();
    }
}
