package dev.hako.it;

import dev.hako.it.OutboundNetworkIT.DnsQuery;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Optional;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The one-name DNS server of {@link OutboundNetworkIT}, without a network: what it answers
 * (checked byte for byte against RFC 1035's layout) and that hostile packets are dropped,
 * never thrown on.
 */
class OutboundDnsQueryTest {
    private static final HexFormat HEX = HexFormat.of();
    /** id 0x1234, RD, one question: outside.test. A IN. */
    private static final String QUERY_A = "1234" + "0100" + "0001" + "0000" + "0000" + "0000"
            + "076f757473696465" + "0474657374" + "00" + "0001" + "0001";

    @Test
    void anAQueryForTheKnownNameGetsItsAddress() throws Exception {
        DnsQuery q = DnsQuery.parse(ByteBuffer.wrap(HEX.parseHex(QUERY_A))).orElseThrow();
        assertEquals("outside.test.", q.name());
        assertEquals("A", q.typeName());
        byte[] answer = q.answer("outside.test.", InetAddress.getByName("198.51.100.77"));
        String expected = "1234" + "8500" + "0001" + "0001" + "0000" + "0000" // QR AA RD, NOERROR, 1 question, 1 answer
                + "076f757473696465" + "0474657374" + "00" + "0001" + "0001"
                + "c00c" + "0001" + "0001" + "0000003c" + "0004" + "c633644d"; // TTL 60, 198.51.100.77
        assertEquals(expected, HEX.formatHex(answer));
    }

    @Test
    void otherTypesGetNoRecordAndOtherNamesNxdomain() throws Exception {
        byte[] aaaa = HEX.parseHex(QUERY_A);
        aaaa[aaaa.length - 3] = 28;
        byte[] none = DnsQuery.parse(ByteBuffer.wrap(aaaa)).orElseThrow()
                .answer("outside.test.", InetAddress.getByName("198.51.100.77"));
        assertEquals("8500" + "0001" + "0000", HEX.formatHex(none, 2, 8));

        byte[] other = HEX.parseHex(QUERY_A.replace("076f757473696465", "076f757473696478")); // outsidx.test.
        byte[] nx = DnsQuery.parse(ByteBuffer.wrap(other)).orElseThrow()
                .answer("OUTSIDE.test.", InetAddress.getByName("198.51.100.77"));
        assertEquals("8503" + "0001" + "0000", HEX.formatHex(nx, 2, 8));
        assertArrayEquals(Arrays.copyOfRange(other, 12, other.length), Arrays.copyOfRange(nx, 12, nx.length));
    }

    @Test
    void malformedAndHostilePacketsAreDropped() {
        byte[] good = HEX.parseHex(QUERY_A);
        for (int cut = 0; cut < good.length; cut++) {
            assertEquals(Optional.empty(), parse(Arrays.copyOf(good, cut)), "cut at " + cut);
        }
        byte[] response = good.clone();
        response[2] |= (byte) 0x80;
        assertEquals(Optional.empty(), parse(response));
        byte[] twoQuestions = good.clone();
        twoQuestions[5] = 2;
        assertEquals(Optional.empty(), parse(twoQuestions));
        // a compression pointer in the question, pointing at itself
        byte[] pointer = HEX.parseHex("123401000001000000000000" + "c00c" + "0001" + "0001");
        assertEquals(Optional.empty(), parse(pointer));
        // a name of 300 bytes in labels of 63
        ByteArrayOutputStream longName = new ByteArrayOutputStream();
        longName.writeBytes(HEX.parseHex("123401000001000000000000"));
        for (int i = 0; i < 5; i++) {
            longName.write(63);
            longName.writeBytes("a".repeat(63).getBytes());
        }
        longName.writeBytes(HEX.parseHex("0000010001"));
        assertEquals(Optional.empty(), parse(longName.toByteArray()));
        Random random = new Random(42);
        for (int i = 0; i < 20_000; i++) {
            byte[] junk = new byte[random.nextInt(64)];
            random.nextBytes(junk);
            if (random.nextBoolean() && junk.length >= 12) {
                System.arraycopy(good, 0, junk, 0, 12); // a plausible header before the junk
            }
            parse(junk).ifPresent(q -> assertTrue(q.name().length() <= 255, q.name()));
        }
    }

    private static Optional<DnsQuery> parse(byte[] packet) {
        return DnsQuery.parse(ByteBuffer.wrap(packet));
    }
}
