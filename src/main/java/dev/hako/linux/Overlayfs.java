package dev.hako.linux;

/**
 * The two on-disk forms in which a layer can tell overlayfs that a lower name is deleted,
 * and the kernels that read them (Documentation/filesystems/overlayfs.rst, "whiteouts and
 * opaque directories" and "Nesting overlayfs mounts"):
 *
 * <ul>
 * <li>{@link WhiteoutForm#DEVICE}: a character device 0/0 per deleted name, and
 *     {@code trusted.overlay.opaque=y} on an opaque directory. Every kernel reads it. It
 *     cannot be written on an overlayfs: overlayfs refuses to create a 0/0 device through
 *     itself (EPERM, whatever the caller's privileges), and before Linux 6.7 refuses any
 *     {@code trusted.overlay.*} xattr.</li>
 * <li>{@link WhiteoutForm#XATTR}: a zero-size regular file with the xattr
 *     {@code trusted.overlay.whiteout} per deleted name, inside a directory marked
 *     {@code trusted.overlay.opaque=x}; opaque directories as before. Written through an
 *     overlayfs (such as a machine's own root inside a container), these xattrs are stored
 *     escaped ({@code trusted.overlay.overlay.*}) and read back unescaped, so an overlay
 *     mount that uses the directory as a lower layer sees them as its own. Escaping came
 *     with Linux 6.7; the {@code opaque=x} marker replaced 6.7.0's {@code overlay.whiteouts}
 *     in 6.8 (the fix was marked for 6.7's stable series, but a 6.7 release does not say
 *     whether it has it), so hako requires 6.8. A default overlay mount
 *     reads them: no mount option is needed ({@code userxattr} would make it read
 *     {@code user.overlay.*} instead, which hako does not write).</li>
 * </ul>
 */
public final class Overlayfs {
    public static final String OPAQUE_XATTR = "trusted.overlay.opaque";
    public static final String WHITEOUT_XATTR = "trusted.overlay.whiteout";
    /** {@link #OPAQUE_XATTR} value: the directory hides everything below it. */
    public static final byte OPAQUE = 'y';
    /** {@link #OPAQUE_XATTR} value: the directory holds {@link WhiteoutForm#XATTR} whiteouts. */
    public static final byte HAS_XWHITEOUTS = 'x';
    /**
     * On a layer's root directory: the form its whiteouts take, recorded when it is not
     * {@link WhiteoutForm#DEVICE}, so that whoever mounts the layer knows which kernel it needs.
     */
    public static final String FORM_XATTR = "trusted.hako.whiteouts";

    public static final int XATTR_FORM_MAJOR = 6;
    public static final int XATTR_FORM_MINOR = 8;

    /** How whiteouts and opaque directories are written into a layer. */
    public enum WhiteoutForm {
        DEVICE, XATTR;

        /** The value of {@link #FORM_XATTR} for this form. */
        public String recorded() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        /** The form recorded as {@code value}, or null for a value hako did not write. */
        public static WhiteoutForm ofRecorded(String value) {
            for (WhiteoutForm f : values()) {
                if (f.recorded().equals(value)) {
                    return f;
                }
            }
            return null;
        }
    }

    private Overlayfs() {
    }

    /** The form a layer store on a filesystem of {@code fsType} ({@link Filesystems#type}) writes. */
    public static WhiteoutForm formFor(long fsType) {
        return Filesystems.isOverlayfs(fsType) ? WhiteoutForm.XATTR : WhiteoutForm.DEVICE;
    }

    /** Whether a kernel of this release ({@code 6.8.0-31-generic}) reads {@code form} in a lower layer. */
    public static boolean readable(WhiteoutForm form, String release) {
        return form == WhiteoutForm.DEVICE || Kernel.atLeast(release, XATTR_FORM_MAJOR, XATTR_FORM_MINOR);
    }

    /** Whether the running kernel reads {@code form} in a lower layer. */
    public static boolean readable(WhiteoutForm form) {
        return readable(form, Kernel.release());
    }
}
