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
 * <p>A store with root writes the trusted forms and mirrors each of their xattr markers in
 * {@code user.overlay.*}, so that its layers also read right in an overlay mounted with
 * {@code userxattr}, which one mounted inside a user namespace must be: such a mount cannot
 * read {@code trusted.*} xattrs, even in a user namespace root made.
 *
 * <p>A layer records its form on its root directory ({@link #FORM_XATTR} for the trusted
 * forms, and {@link #USER_FORM_XATTR} too when mirrored; {@link #USER_FORM_XATTR} alone for
 * the user forms) when it depends on it: when it has whiteout files, or opaque
 * directories, which are xattrs. A layer that records nothing (no markers, or only 0/0
 * device whiteouts, which every mount reads) fits any mount. {@link #mountOptionFor} reads
 * the records of an overlay's layers and says which option the mount needs.
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
     * What {@code layer} records on its root: its form, and in which namespaces its markers
     * are. A root layer records {@link #FORM_XATTR} and, when its markers are mirrored in
     * {@code user.overlay.*} too, {@link #USER_FORM_XATTR} with the same value; a user's layer
     * records {@link #USER_FORM_XATTR} with a user form. A layer that records nothing fits
     * any mount. Without CAP_SYS_ADMIN, {@link #FORM_XATTR} cannot be read.
     *
     * @param form    the recorded form, or null for none
     * @param trusted whether its markers are read by a default mount
     * @param user    whether its markers are read by a mount with {@link #USERXATTR}
     */
    public record LayerRecord(WhiteoutForm form, boolean trusted, boolean user) {
        /** Whether some marker of the layer would be missed by a mount with {@link #USERXATTR}. */
        boolean needsTrusted() {
            return form != null && !user;
        }

        /** Whether some marker of the layer would be missed by a default mount. */
        boolean needsUserxattr() {
            return form != null && !trusted;
        }
    }

    /**
     * The record of {@code layer} (see {@link LayerRecord}).
     *
     * @throws IllegalArgumentException when a record has a value this version does not know,
     *     a user form in the trusted record, or two records that disagree
     */
    public static LayerRecord recordOf(Path layer) {
        WhiteoutForm trusted = recorded(layer, FORM_XATTR);
        WhiteoutForm user = recorded(layer, USER_FORM_XATTR);
        if (trusted != null && user != null && trusted != user) {
            throw new IllegalArgumentException("overlay layer " + layer + " records two whiteout forms (" + FORM_XATTR
                    + "=" + trusted.recorded() + ", " + USER_FORM_XATTR + "=" + user.recorded()
                    + "), which hako never writes: import the image again");
        }
        if (trusted != null) {
            return new LayerRecord(trusted, true, user != null);
        }
        if (user != null) {
            // A root form here is a root layer's mirror, read by a default mount as well
            // (whose trusted record this process may not be allowed to see).
            return new LayerRecord(user, !user.userNamespaced(), true);
        }
        return new LayerRecord(null, true, true);
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
        if (form == null || (form.userNamespaced() && xattr.equals(FORM_XATTR))) {
            throw new IllegalArgumentException("overlay layer " + layer + " says its whiteouts are in the form '" + text
                    + "' (xattr " + xattr + "), which this version of hako does not know: import the image again"
                    + " with this version");
        }
        return form;
    }

    /**
     * The option an overlay mount of {@code lowers} needs besides its directories:
     * {@link #USERXATTR} when a layer keeps its markers in {@code user.overlay.*} only (one a
     * store without root unpacked), else null. Layers a store with root unpacked have their
     * markers in both namespaces and fit either mount (unless the filesystem had no user
     * xattrs, or an older hako unpacked them). An overlay mounted inside a user namespace
     * (rootless, or root's container with a user namespace) should be given
     * {@link #USERXATTR} whatever this says: it cannot read {@code trusted.*} xattrs from its
     * lowers, nor write them into its upper directory (as it must for an opaque directory a
     * process makes there); check then that {@link #missedByUserxattr} is empty.
     *
     * @throws IllegalArgumentException naming the layers, when some need a default mount and
     *     others userxattr (no one mount reads both), when the kernel cannot read a layer's
     *     form, or when a record is unknown
     */
    public static String mountOptionFor(List<Path> lowers) {
        Path trustedOnly = null;
        Path userOnly = null;
        for (Path lower : lowers) {
            LayerRecord r = check(lower);
            if (r.needsTrusted() && trustedOnly == null) {
                trustedOnly = lower;
            }
            if (r.needsUserxattr() && userOnly == null) {
                userOnly = lower;
            }
        }
        if (trustedOnly != null && userOnly != null) {
            throw new IllegalArgumentException("the overlay's layers mix whiteout forms that no one mount reads: "
                    + trustedOnly + " keeps its markers in trusted.overlay.* only (unpacked with root, by an older"
                    + " hako or on a filesystem without user xattrs) and " + userOnly + " in user.overlay.* only"
                    + " (unpacked without root, read by a mount with " + USERXATTR + "): take all the layers from"
                    + " one layer store, or import the image again into the store of whoever runs the container");
        }
        return userOnly != null ? USERXATTR : null;
    }

    /**
     * The layers of {@code lowers} whose markers an overlay mounted with {@link #USERXATTR}
     * would miss (trusted.overlay.* only), as the launcher must mount inside a user
     * namespace; empty when all fit.
     *
     * @throws IllegalArgumentException as {@link #mountOptionFor} does for a layer's form
     */
    public static List<Path> missedByUserxattr(List<Path> lowers) {
        return lowers.stream().filter(l -> check(l).needsTrusted()).toList();
    }

    private static LayerRecord check(Path lower) {
        LayerRecord r = recordOf(lower);
        if (r.form() != null && !readable(r.form())) {
            throw new IllegalArgumentException("overlay layer " + lower + " keeps its whiteouts in the form "
                    + r.form().recorded() + " (" + describe(r.form()) + "), which overlayfs reads from Linux "
                    + r.form().minimumKernel() + " on; this kernel is " + Kernel.release() + ": upgrade the kernel,"
                    + " or import the image into a layer store on ext4, xfs, btrfs or tmpfs");
        }
        return r;
    }

    private static String describe(WhiteoutForm form) {
        return (form.xattrWhiteouts() ? "whiteouts as files with " + form.whiteoutXattr() : "whiteouts as 0/0 devices")
                + ", opaque directories as " + form.opaqueXattr()
                + (form.userNamespaced() ? ", read by a mount with " + USERXATTR : "");
    }
}
