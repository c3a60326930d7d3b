package dev.hako.netlink;

import java.io.IOException;

/**
 * The kernel lacks a part of nftables that hako's NAT needs: nfnetlink, nf_tables, the nat
 * chain type or one of the expressions. The message names the part and the module or
 * kernel option that provides it.
 */
public final class NfTablesUnavailableException extends IOException {
    private static final long serialVersionUID = 1L;

    public NfTablesUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
