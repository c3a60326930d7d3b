package dev.hako.net;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Chooses a bridge-networked container's resolv.conf. The host's resolvers often listen on
 * its loopback (systemd-resolved's stub 127.0.0.53, a local dnsmasq on 127.0.0.1, ::1),
 * which the container cannot reach: its loopback is its own. So:
 *
 * <ol>
 * <li>servers the user gave ({@link DnsSettings}) are used as given;
 * <li>otherwise, when the host's file names a loopback resolver and systemd-resolved's
 *     upstream list ({@code /run/systemd/resolve/resolv.conf}) is there with a server the
 *     container can reach, that list is used, with its search domains and options;
 * <li>otherwise the host's servers are used without the unreachable ones.
 * </ol>
 *
 * <p>When nothing is left, the choice has no nameserver and says why in
 * {@link DnsChoice#problem()}. Docker falls back to public resolvers then; hako does not
 * send a container's queries to a third party without being asked.
 */
public final class ContainerDns {
    /** Where systemd-resolved keeps its upstream servers. */
    public static final String RESOLVED_UPSTREAM = "/run/systemd/resolve/resolv.conf";

    private ContainerDns() {
    }

    /**
     * The container's DNS.
     *
     * @param hostResolvConf the text of the host's /etc/resolv.conf (empty if it has none)
     * @param resolvedResolvConf the text of {@value #RESOLVED_UPSTREAM}, when it exists
     * @param user what the user asked for ({@link DnsSettings#HOST} for nothing)
     */
    public static DnsChoice choose(String hostResolvConf, Optional<String> resolvedResolvConf, DnsSettings user) {
        ResolvConf host = ResolvConf.parse(hostResolvConf);
        List<String> notes = new ArrayList<>();
        host.skipped().forEach(s -> notes.add("/etc/resolv.conf: " + s));
        ResolvConf source = host;
        String sourceName = "/etc/resolv.conf";
        List<String> servers;
        if (!user.servers().isEmpty()) {
            servers = user.servers();
            user.servers().stream().filter(ResolvConf::unreachableFromABridge).forEach(s -> notes.add(
                    "the DNS server " + s + " you gave is the container's own loopback or a host link: something in the"
                            + " container must answer there"));
        } else {
            List<String> dropped = host.nameservers().stream().filter(ResolvConf::unreachableFromABridge).toList();
            servers = reachable(host);
            if (!dropped.isEmpty() && resolvedResolvConf.isPresent()) {
                ResolvConf resolved = ResolvConf.parse(resolvedResolvConf.get());
                resolved.skipped().forEach(s -> notes.add(RESOLVED_UPSTREAM + ": " + s));
                if (!reachable(resolved).isEmpty()) {
                    servers = reachable(resolved);
                    source = resolved;
                    sourceName = RESOLVED_UPSTREAM;
                    notes.add("the host resolves through " + String.join(", ", dropped) + " (systemd-resolved's stub),"
                            + " which the container cannot reach; its upstream servers are used instead");
                }
            }
            if (source == host && !dropped.isEmpty()) {
                notes.add("left out " + String.join(", ", dropped) + " of /etc/resolv.conf: a loopback or link-local"
                        + " resolver of the host, which a container on a bridge cannot reach");
            }
        }
        List<String> search = user.search().isEmpty() ? source.search() : user.search();
        List<String> options = user.options().isEmpty() ? source.options() : user.options();
        Optional<String> problem = servers.isEmpty()
                ? Optional.of(noServer(host, resolvedResolvConf.isPresent(), sourceName))
                : Optional.empty();
        return new DnsChoice(servers, search, options, notes, problem);
    }

    private static List<String> reachable(ResolvConf conf) {
        return conf.nameservers().stream().filter(s -> !ResolvConf.unreachableFromABridge(s)).toList();
    }

    private static String noServer(ResolvConf host, boolean resolvedPresent, String sourceName) {
        String what = host.nameservers().isEmpty() ? "/etc/resolv.conf names no nameserver"
                : "/etc/resolv.conf names only resolvers the container cannot reach ("
                        + String.join(", ", host.nameservers()) + ")";
        String resolved = resolvedPresent ? RESOLVED_UPSTREAM + " names none it can reach either"
                : "there is no " + RESOLVED_UPSTREAM + " to take upstream servers from";
        return what + ", and " + resolved + ": give the container DNS servers it can reach (dns(...)),"
                + " for example the bridge's gateway with a resolver listening there";
    }
}
