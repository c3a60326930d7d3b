package dev.hako.netlink;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Reads and writes of fixed-size integers in byte arrays: in the host's order (netlink's
 * headers and most attributes) or in network order (addresses, ports, and the
 * {@code NLA_F_NET_BYTEORDER} attributes of nftables). The callers check the bounds; the
 * var handles check them again, so an out-of-range index can never read past an array.
 */
final class Bytes {
    private static final VarHandle SHORT = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.nativeOrder());
    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.nativeOrder());
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.nativeOrder());
    private static final VarHandle BE_SHORT = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle BE_INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle BE_LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

    private Bytes() {
    }

    static int u16(byte[] b, int at) {
        return Short.toUnsignedInt((short) SHORT.get(b, at));
    }

    static int u32(byte[] b, int at) {
        return (int) INT.get(b, at);
    }

    static long u64(byte[] b, int at) {
        return (long) LONG.get(b, at);
    }

    static int be16(byte[] b, int at) {
        return Short.toUnsignedInt((short) BE_SHORT.get(b, at));
    }

    static int be32(byte[] b, int at) {
        return (int) BE_INT.get(b, at);
    }

    static long be64(byte[] b, int at) {
        return (long) BE_LONG.get(b, at);
    }

    static void putU16(byte[] b, int at, int v) {
        SHORT.set(b, at, (short) v);
    }

    static void putU32(byte[] b, int at, int v) {
        INT.set(b, at, v);
    }

    static void putU64(byte[] b, int at, long v) {
        LONG.set(b, at, v);
    }

    static void putBe16(byte[] b, int at, int v) {
        BE_SHORT.set(b, at, (short) v);
    }

    static void putBe32(byte[] b, int at, int v) {
        BE_INT.set(b, at, v);
    }

    static void putBe64(byte[] b, int at, long v) {
        BE_LONG.set(b, at, v);
    }
}
