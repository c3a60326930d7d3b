package dev.hako.netlink;

import dev.hako.linux.linux_h;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * rtnetlink requests byte for byte, laid out from {@code <linux/rtnetlink.h>},
 * {@code <linux/if_link.h>} and {@code <linux/veth.h>}: the container start's veth with
 * its peer's own {@code ifinfomsg} nested three deep, an address, a default route.
 */
class RouteRequestsTest {

    private static ByteBuffer expected(int size) {
        return ByteBuffer.allocate(size).order(ByteOrder.nativeOrder());
    }

    private static void header(ByteBuffer e, int length, int type, int flags) {
        e.putInt(length).putShort((short) type).putShort((short) (flags | linux_h.NLM_F_REQUEST() | linux_h.NLM_F_ACK()))
                .putInt(0).putInt(0);
    }

    private static void ifinfomsg(ByteBuffer e, int index, int flags, int change) {
        e.put((byte) linux_h.AF_UNSPEC()).put((byte) 0).putShort((short) 0).putInt(index).putInt(flags).putInt(change);
    }

    private static void string(ByteBuffer e, int type, String value) {
        byte[] bytes = value.getBytes();
        e.putShort((short) (4 + bytes.length + 1)).putShort((short) type).put(bytes).put((byte) 0);
        e.position(Netlink.align(e.position()));
    }

    private static void u32(ByteBuffer e, int type, int value) {
        e.putShort((short) 8).putShort((short) type).putInt(value);
    }

    private static void nest(ByteBuffer e, int type, int length) {
        e.putShort((short) length).putShort((short) type);
    }

    @Test
    void theContainersVethIsOneRequestWithThePeerNestedThreeDeep() {
        NetlinkRequest r = RouteRequests.newVeth(VethPair.of("hkt-v0", "eth0").peerIn(9).master(4).withUp());
        ByteBuffer e = expected(112);
        // NLM_F_ECHO: the kernel answers with the new local end, which names the peer's index
        header(e, 112, linux_h.RTM_NEWLINK(), linux_h.NLM_F_CREATE() | linux_h.NLM_F_EXCL() | linux_h.NLM_F_ECHO());
        ifinfomsg(e, 0, linux_h.IFF_UP(), linux_h.IFF_UP());
        string(e, linux_h.IFLA_IFNAME(), "hkt-v0");          // 12
        u32(e, linux_h.IFLA_MASTER(), 4);                    // 8
        nest(e, linux_h.IFLA_LINKINFO(), 60);                // 4 + 12 + 44
        string(e, linux_h.IFLA_INFO_KIND(), "veth");         // 12
        nest(e, linux_h.IFLA_INFO_DATA(), 44);               // 4 + 40
        nest(e, linux_h.VETH_INFO_PEER(), 40);               // 4 + 16 + 12 + 8
        ifinfomsg(e, 0, 0, 0);
        string(e, linux_h.IFLA_IFNAME(), "eth0");
        u32(e, linux_h.IFLA_NET_NS_FD(), 9);
        assertEquals(112, e.position());
        assertArrayEquals(e.array(), r.bytes());
        assertEquals("RTM_NEWLINK hkt-v0 (veth, peer eth0 in netns fd 9, master 4)", r.description());
    }

    @Test
    void aBridgeWithItsMtu() {
        NetlinkRequest r = RouteRequests.newBridge("hkt-br0", 1400, false);
        ByteBuffer e = expected(16 + 16 + 12 + 8 + 16);
        header(e, 68, linux_h.RTM_NEWLINK(), linux_h.NLM_F_CREATE() | linux_h.NLM_F_EXCL());
        ifinfomsg(e, 0, 0, 0);
        string(e, linux_h.IFLA_IFNAME(), "hkt-br0");
        u32(e, linux_h.IFLA_MTU(), 1400);
        nest(e, linux_h.IFLA_LINKINFO(), 16);
        string(e, linux_h.IFLA_INFO_KIND(), "bridge");
        assertArrayEquals(e.array(), r.bytes());
    }

    @Test
    void anIpv4AddressCarriesLocalAndAddress() throws Exception {
        NetlinkRequest r = RouteRequests.newAddress(3, "eth0", InetAddress.getByName("10.0.0.2"), 24);
        ByteBuffer e = expected(16 + 8 + 8 + 8);
        header(e, 40, linux_h.RTM_NEWADDR(), linux_h.NLM_F_CREATE() | linux_h.NLM_F_EXCL());
        e.put((byte) linux_h.AF_INET()).put((byte) 24).put((byte) 0).put((byte) linux_h.RT_SCOPE_UNIVERSE()).putInt(3);
        e.putShort((short) 8).putShort((short) linux_h.IFA_LOCAL()).put(new byte[] {10, 0, 0, 2});
        e.putShort((short) 8).putShort((short) linux_h.IFA_ADDRESS()).put(new byte[] {10, 0, 0, 2});
        assertArrayEquals(e.array(), r.bytes());
        assertEquals("RTM_NEWADDR 10.0.0.2/24 dev eth0", r.description());
        NetlinkRequest v6 = RouteRequests.newAddress(3, "eth0", InetAddress.getByName("fd00::2"), 64);
        assertEquals(16 + 8 + 20 + 20, v6.length());
        assertEquals(linux_h.IFA_F_NODAD(), v6.bytes()[16 + linux_h.HAKO_IFA_FLAGS()]);
        assertThrows(IllegalArgumentException.class, () -> RouteRequests.newAddress(3, "eth0",
                InetAddress.getByName("10.0.0.2"), 33));
    }

    @Test
    void aDefaultRouteViaAGatewayOutOfADevice() throws Exception {
        NetlinkRequest r = RouteRequests.newRoute(Route.defaultVia(InetAddress.getByName("10.0.0.1"), 3));
        ByteBuffer e = expected(16 + 12 + 8 + 8);
        header(e, 44, linux_h.RTM_NEWROUTE(), linux_h.NLM_F_CREATE() | linux_h.NLM_F_EXCL());
        // struct rtmsg: family, dst_len, src_len, tos, table, protocol, scope, type, flags
        e.put((byte) linux_h.AF_INET()).put((byte) 0).put((byte) 0).put((byte) 0).put((byte) linux_h.RT_TABLE_MAIN())
                .put((byte) linux_h.RTPROT_BOOT()).put((byte) linux_h.RT_SCOPE_UNIVERSE()).put((byte) linux_h.RTN_UNICAST())
                .putInt(0);
        e.putShort((short) 8).putShort((short) linux_h.RTA_GATEWAY()).put(new byte[] {10, 0, 0, 1});
        u32(e, linux_h.RTA_OIF(), 3);
        assertArrayEquals(e.array(), r.bytes());
        assertEquals("RTM_NEWROUTE default via 10.0.0.1 dev 3", r.description());
        assertThrows(IllegalArgumentException.class, () -> Route.toPrefix(InetAddress.getByName("10.0.0.0"), 8, 0));
    }

    @Test
    void setsNameTheLinkAndTheChange() {
        NetlinkRequest up = RouteRequests.setUp("eth0", true);
        ByteBuffer e = expected(16 + 16 + 12);
        header(e, 44, linux_h.RTM_SETLINK(), 0);
        ifinfomsg(e, 0, linux_h.IFF_UP(), linux_h.IFF_UP());
        string(e, linux_h.IFLA_IFNAME(), "eth0");
        assertArrayEquals(e.array(), up.bytes());
        assertEquals("RTM_SETLINK eth0 down", RouteRequests.setUp("eth0", false).description());
        assertEquals(0, RouteRequests.setUp("eth0", false).bytes()[16 + linux_h.HAKO_IFI_FLAGS()]);
    }
}
