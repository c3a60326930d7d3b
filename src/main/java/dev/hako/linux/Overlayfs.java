package dev.hako.linux;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The on-disk forms in which a layer can tell overlayfs that a lower name is deleted or a
 * directory is opaque, and what a mount needs to read them (Documentation/filesystems/overlayfs.rst,
 * "whiteouts and opaque directories", "Nesting overlayfs mounts" and "User xattr"). Two
 * things vary: where overlayfs's own xattrs live ({@code trusted.overlay.*}, which only a
 * process with CAP_SYS_ADMIN in the initial user namespace may write or read, or
 * {@code user.overlay.*}, which an overlay mounted with {@code userxattr} reads instead),
 * and what a whiteout is:
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
 *     whether it has it), so hako requires 6.8.</li>
 * <li>{@link WhiteoutForm#USER_DEVICE}: what a store without root writes (rootless): 0/0
 *     character devices, which any user may create since Linux 5.8, and
 *     {@code user.overlay.opaque=y}. Read by an overlay mounted with {@code userxattr}
 *     (Linux 5.11+, the option an overlay mounted inside a user namespace needs).</li>
 * <li>{@link WhiteoutForm#USER_XATTR}: the same without root on a store that is itself on
 *     overlayfs: zero-size files with {@code user.overlay.whiteout} in directories marked
 *     {@code user.overlay.opaque=x}; {@code userxattr}, Linux 6.8+.</li>
 * </ul>
 *
 * <p>A layer records its form on its root directory ({@link #FORM_XATTR} for the trusted
 * forms, {@link #USER_FORM_XATTR} for the user forms) when it depends on it: when it has
 * whiteout files, or opaque directories, which are xattrs of one namespace. A layer that
 * records nothing (no markers, or only 0/0 device whiteouts, which every mount reads) fits
 * any mount. {@link #mountOptionFor} reads the records of an overlay's layers and says
 * which option the mount needs.
 */
public final class Overlayfs {
    public static final String OPAQUE_XATTR = "trusted.overlay.opaque";
    public static final String WHITEOUT_XATTR = "trusted.overlay.whiteout";
    public static final String USER_OPAQUE_XATTR = "user.overlay.opaque";
    public static final String USER_WHITEOUT_XATTR = "user.overlay.whiteout";
    /** {@link #OPAQUE_XATTR} value: the directory hides everything below it. */
    public static final byte OPAQUE = 'y';
    /** {@link #OPAQUE_XATTR} value: the directory holds {@link WhiteoutForm#XATTR} whiteouts. */
    public static final byte HAS_XWHITEOUTS = 'x';
    /**
     * On a layer's root directory: the form its whiteouts take, for a trusted form, so that
     * whoever mounts the layer knows what it needs. Only a process with CAP_SYS_ADMIN can
     * read it; a user reads {@link #USER_FORM_XATTR}.
     */
    public static final String FORM_XATTR = "trusted.hako.whiteouts";
    /** {@link #FORM_XATTR} of a layer in a user form, written and read without root. */
    public static final String USER_FORM_XATTR = "user.hako.whiteouts";
    /** The overlay mount option that makes overlayfs read {@code user.overlay.*} instead of {@code trusted.overlay.*}. */
    public static final String USERXATTR = "userxattr";

    public static final int XATTR_FORM_MAJOR = 6;
    public static final int XATTR_FORM_MINOR = 8;
    public static final int USERXATTR_MAJOR = 5;
    public static final int USERXATTR_MINOR = 11;

    /** How whiteouts and opaque directories are written into a layer. */
    public enum WhiteoutForm {
        DEVICE(false, false), XATTR(false, true), USER_DEVICE(true, false), USER_XATTR(true, true);

        private final boolean user;
        private final boolean xattrWhiteouts;

        WhiteoutForm(boolean user, boolean xattrWhiteouts) {
            this.user = user;
            this.xattrWhiteouts = xattrWhiteouts;
        }

        /** The value of {@link #FORM_XATTR} (or {@link #USER_FORM_XATTR}) for this form. */
        public String recorded() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
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

        /** Whether overlayfs's xattrs are in {@code user.overlay.*}, read only with {@link #USERXATTR}. */
        public boolean userNamespaced() {
            return user;
        }

        /** Whether a whiteout is a zero-size file with an xattr (else a 0/0 character device). */
        public boolean xattrWhiteouts() {
            return xattrWhiteouts;
        }

        /** The xattr that marks a directory opaque (and, as {@code x}, one holding xattr whiteouts). */
        public String opaqueXattr() {
            return user ? USER_OPAQUE_XATTR : OPAQUE_XATTR;
        }

        /** The xattr of a whiteout file, in the forms that have them. */
        public String whiteoutXattr() {
            return user ? USER_WHITEOUT_XATTR : WHITEOUT_XATTR;
        }

        /** Where a layer in this form records it. */
        public String formXattr() {
            return user ? USER_FORM_XATTR : FORM_XATTR;
        }

        /** The overlay mount option this form needs: {@link #USERXATTR}, or null for none. */
        public String mountOption() {
            return user ? USERXATTR : null;
        }

        /** The oldest kernel release, as "major.minor", that reads this form. */
        public String minimumKernel() {
            return xattrWhiteouts ? XATTR_FORM_MAJOR + "." + XATTR_FORM_MINOR
                    : user ? USERXATTR_MAJOR + "." + USERXATTR_MINOR : "any";
        }
    }

    private Overlayfs() {
    }

    /** The form a layer store with root (CAP_SYS_ADMIN) on a filesystem of {@code fsType} ({@link Filesystems#type}) writes. */
    public static WhiteoutForm formFor(long fsType) {
        return formFor(fsType, false);
    }

    /** The form a layer store on a filesystem of {@code fsType} writes, {@code rootless} or with root. */
    public static WhiteoutForm formFor(long fsType, boolean rootless) {
        boolean onOverlayfs = Filesystems.isOverlayfs(fsType);
        if (rootless) {
            return onOverlayfs ? WhiteoutForm.USER_XATTR : WhiteoutForm.USER_DEVICE;
        }
        return onOverlayfs ? WhiteoutForm.XATTR : WhiteoutForm.DEVICE;
    }

    /** Whether a kernel of this release ({@code 6.8.0-31-generic}) reads {@code form} in a lower layer. */
    public static boolean readable(WhiteoutForm form, String release) {
        if (form.xattrWhiteouts()) {
            return Kernel.atLeast(release, XATTR_FORM_MAJOR, XATTR_FORM_MINOR);
        }
        return !form.userNamespaced() || Kernel.atLeast(release, USERXATTR_MAJOR, USERXATTR_MINOR);
    }

    /** Whether the running kernel reads {@code form} in a lower layer. */
    public static boolean readable(WhiteoutForm form) {
        return readable(form, Kernel.release());
    }

    /**
     * The form {@code layer} records on its root ({@link #FORM_XATTR} or {@link #USER_FORM_XATTR}),
     * empty when it records none (it then fits any mount). A trusted record is visible only to
     * a process with CAP_SYS_ADMIN; without it, such a layer looks unrecorded.
     *
     * @throws IllegalArgumentException when both are recorded, or a value this version does not know
     */
    public static Optional<WhiteoutForm> recordedForm(Path layer) {
        WhiteoutForm trusted = recorded(layer, FORM_XATTR);
        WhiteoutForm user = recorded(layer, USER_FORM_XATTR);
        if (trusted != null && user != null) {
            throw new IllegalArgumentException("overlay layer " + layer + " records two whiteout forms (" + FORM_XATTR
                    + "=" + trusted.recorded() + ", " + USER_FORM_XATTR + "=" + user.recorded()
                    + "), which hako never writes: import the image again");
        }
        return Optional.ofNullable(trusted != null ? trusted : user);
    }

    private static WhiteoutForm recorded(Path layer, String xattr) {
        Optional<byte[]> value;
        try {
            value = FileCalls.lgetxattr(layer, xattr);
        } catch (SyscallException e) {
            return null; // no xattrs here (ENOTSUP) or not readable: nothing hako recorded
        }
        if (value.isEmpty()) {
            return null;
        }
        String text = new String(value.get(), StandardCharsets.US_ASCII);
        WhiteoutForm form = WhiteoutForm.ofRecorded(text);
        if (form == null || form.userNamespaced() != xattr.equals(USER_FORM_XATTR)) {
            throw new IllegalArgumentException("overlay layer " + layer + " says its whiteouts are in the form '" + text
                    + "' (xattr " + xattr + "), which this version of hako does not know: import the image again"
                    + " with this version");
        }
        return form;
    }

    /**
     * The option an overlay mount of {@code lowers} needs besides its directories:
     * {@link #USERXATTR} when a layer keeps its markers in {@code user.overlay.*} (a layer
     * a store without root unpacked), else null. An overlay mounted inside a user namespace
     * (rootless) should be given {@link #USERXATTR} whatever this says: it cannot write
     * {@code trusted.*} xattrs into its upper directory (as it must for an opaque directory
     * a process makes there), nor read them from its lowers.
     *
     * @throws IllegalArgumentException naming the layers, when some record a trusted form and
     *     others a user form (no one mount reads both), when the kernel cannot read a layer's
     *     form, or when a record is unknown
     */
    public static String mountOptionFor(List<Path> lowers) {
        Path trustedLayer = null;
        Path userLayer = null;
        WhiteoutForm trusted = null;
        WhiteoutForm user = null;
        for (Path lower : lowers) {
            Optional<WhiteoutForm> recorded = recordedForm(lower);
            if (recorded.isEmpty()) {
                continue;
            }
            WhiteoutForm form = recorded.get();
            if (!readable(form)) {
                throw new IllegalArgumentException("overlay layer " + lower + " keeps its whiteouts in the form "
                        + form.recorded() + " (" + describe(form) + "), which overlayfs reads from Linux "
                        + form.minimumKernel() + " on; this kernel is " + Kernel.release() + ": upgrade the kernel,"
                        + " or import the image into a layer store on ext4, xfs, btrfs or tmpfs");
            }
            if (form.userNamespaced() && userLayer == null) {
                userLayer = lower;
                user = form;
            } else if (!form.userNamespaced() && trustedLayer == null) {
                trustedLayer = lower;
                trusted = form;
            }
        }
        if (trustedLayer != null && userLayer != null) {
            throw new IllegalArgumentException("the overlay's layers mix whiteout forms that no one mount reads: "
                    + trustedLayer + " is in the form " + trusted.recorded() + " (" + describe(trusted) + ", unpacked"
                    + " with root) and " + userLayer + " in the form " + user.recorded() + " (" + describe(user)
                    + ", unpacked without root): take all the layers from one layer store, or import the image"
                    + " again into the store of whoever runs the container");
        }
        return userLayer != null ? USERXATTR : null;
    }

    private static String describe(WhiteoutForm form) {
        return (form.xattrWhiteouts() ? "whiteouts as files with " + form.whiteoutXattr() : "whiteouts as 0/0 devices")
                + ", opaque directories as " + form.opaqueXattr()
                + (form.userNamespaced() ? ", read by a mount with " + USERXATTR : "");
    }
}
