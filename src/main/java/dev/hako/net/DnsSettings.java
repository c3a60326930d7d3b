package dev.hako.net;

import java.util.List;

/**
 * The DNS a user asked for: servers, search domains and options, each empty when not
 * given (then the host's are used). Servers are IP literals, checked here.
 *
 * @param servers nameserver addresses
 * @param search search domains
 * @param options resolver options ({@code ndots:2}, ...)
 */
public record DnsSettings(List<String> servers, List<String> search, List<String> options) {
    /** Nothing asked for: the host's DNS, made reachable. */
    public static final DnsSettings HOST = new DnsSettings(List.of(), List.of(), List.of());

    /** Copies the lists and checks every entry, naming the one that is wrong. */
    public DnsSettings {
        servers = List.copyOf(servers);
        search = List.copyOf(search);
        options = List.copyOf(options);
        for (String s : servers) {
            if (!ResolvConf.isIpLiteral(s)) {
                throw new IllegalArgumentException("DNS server " + Texts.quote(s)
                        + " is not an IP address: give nameservers as addresses, like 192.0.2.53 or 2001:db8::53");
            }
        }
        for (String d : search) {
            requireOneWord(d, "search domain");
        }
        for (String o : options) {
            requireOneWord(o, "DNS option");
        }
        ResolvConf check = ResolvConf.parse("search " + String.join(" ", search) + "\noptions " + String.join(" ", options));
        if (!check.skipped().isEmpty()) {
            throw new IllegalArgumentException("DNS settings refused: " + check.skipped().get(0).replaceFirst("^line \\d+ ", ""));
        }
    }

    private static void requireOneWord(String value, String what) {
        if (value == null || value.isEmpty() || value.chars().anyMatch(c -> c <= ' ' || c == 0x7f || c == '#')) {
            throw new IllegalArgumentException(what + " " + Texts.quote(value) + " must be one word without spaces,"
                    + " control characters or '#'");
        }
    }

    /** Servers only. */
    public static DnsSettings servers(String... servers) {
        return new DnsSettings(List.of(servers), List.of(), List.of());
    }
}
