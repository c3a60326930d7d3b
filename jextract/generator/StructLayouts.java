import java.util.ArrayList;
import java.util.List;

/**
 * Turns a struct's probed offsets into a MemoryLayout expression. Padding is what lies
 * between the offsets the compiler reported, so the Java layout has the C offsets by
 * construction; packed members get a lower byte alignment, as FFM requires.
 */
final class StructLayouts {

    private StructLayouts() { }

    static List<String> members(Bindings.Struct st, String shared) {
        List<String> out = new ArrayList<>();
        long position = 0;
        for (Bindings.Field f : st.fields()) {
            if (f.offset() < position) {
                throw new GeneratorException("struct " + st.name() + " member " + f.name()
                        + " overlaps the previous one (offset " + f.offset() + "); unions are not supported");
            }
            if (f.offset() > position) {
                out.add("MemoryLayout.paddingLayout(" + (f.offset() - position) + ")");
            }
            long align = memberAlignment(st, f);
            out.add(shared + "." + f.type().layoutName()
                    + (align != f.type().size() ? ".withByteAlignment(" + align + ")" : "")
                    + ".withName(" + Java.quote(f.name()) + ")");
            position = f.offset() + f.type().size();
        }
        if (st.size() < position) {
            throw new GeneratorException("struct " + st.name() + " is smaller (" + st.size()
                    + " bytes) than its members");
        }
        if (st.size() > position) {
            out.add("MemoryLayout.paddingLayout(" + (st.size() - position) + ")");
        }
        return out;
    }

    /** ".withByteAlignment(n)" when C aligns the struct more than its members need. */
    static String alignment(Bindings.Struct st) {
        long max = 1;
        for (Bindings.Field f : st.fields()) {
            max = Math.max(max, memberAlignment(st, f));
        }
        return st.align() != max ? ".withByteAlignment(" + st.align() + ")" : "";
    }

    private static long memberAlignment(Bindings.Struct st, Bindings.Field f) {
        long align = Math.min(f.type().size(), st.align());
        if (f.offset() != 0) {
            align = Math.min(align, Long.lowestOneBit(f.offset()));
        }
        return align;
    }
}
