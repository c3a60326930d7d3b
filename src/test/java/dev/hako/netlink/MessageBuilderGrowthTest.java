package dev.hako.netlink;

import dev.hako.linux.linux_h;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Fixed-size attributes written while the message outgrows its buffer land in the grown
 * one (they once went into the array being replaced, which nftables' rules, longer than
 * the first 128 bytes, showed).
 */
class MessageBuilderGrowthTest {

    @Test
    void everyAttributeSurvivesTheBufferGrowing() {
        MessageBuilder m = MessageBuilder.request(linux_h.NLMSG_MIN_TYPE(), 0, 0);
        int count = 200;
        for (int i = 0; i < count; i++) {
            switch (i % 7) {
                case 0 -> m.attrU8(1, i);
                case 1 -> m.attrU16(1, i);
                case 2 -> m.attrU32(1, i);
                case 3 -> m.attrU64(1, i);
                case 4 -> m.attrBe16(1, i);
                case 5 -> m.attrBe32(1, i);
                default -> m.attrBe64(1, i);
            }
        }
        byte[] bytes = m.build("growth").bytes();
        ByteBuffer host = ByteBuffer.wrap(bytes).order(ByteOrder.nativeOrder());
        ByteBuffer net = ByteBuffer.wrap(bytes).order(ByteOrder.BIG_ENDIAN);
        int at = Netlink.MESSAGE_HEADER_SIZE;
        for (int i = 0; i < count; i++) {
            int length = host.getShort(at);
            int value = at + Netlink.ATTRIBUTE_HEADER_SIZE;
            long read = switch (i % 7) {
                case 0 -> bytes[value] & 0xFF;
                case 1 -> host.getShort(value) & 0xFFFF;
                case 2 -> host.getInt(value);
                case 3 -> host.getLong(value);
                case 4 -> net.getShort(value) & 0xFFFF;
                case 5 -> net.getInt(value);
                default -> net.getLong(value);
            };
            assertEquals(i, read, "attribute " + i);
            at += Netlink.align(length);
        }
        assertEquals(bytes.length, at);
    }
}
