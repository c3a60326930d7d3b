/*
 * hako.h - umbrella header for hako's Linux bindings.
 *
 * Input to jextract (with hako.args) and, when no jextract is configured, to the project's
 * own generator in generator/, which reads every value below through the C compiler.
 * Nothing in the bindings is typed by hand: layouts that hako needs but that are not plain
 * macros are derived here from the real headers as enum constants, so that both tools
 * export them like any other constant.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <linux/sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <sys/mman.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/ioctl.h>
#include <net/if.h>
#include <unistd.h>
#include <dirent.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <linux/capability.h>
#include <sys/resource.h>
#include <stddef.h>

enum {
    /* struct mount_attr for mount_setattr(2) */
    HAKO_MOUNT_ATTR_SIZE = sizeof(struct mount_attr),
    HAKO_MOUNT_ATTR_SET = offsetof(struct mount_attr, attr_set),
    /* the user namespace fd of MOUNT_ATTR_IDMAP (dev.hako.linux.IdmappedMount) */
    HAKO_MOUNT_ATTR_USERNS_FD = offsetof(struct mount_attr, userns_fd),
    /* siginfo_t as filled in by waitid(2) */
    HAKO_SIGINFO_SIZE = sizeof(siginfo_t),
    HAKO_SI_SIGNO = offsetof(siginfo_t, si_signo),
    HAKO_SI_CODE = offsetof(siginfo_t, si_code),
    HAKO_SI_PID = offsetof(siginfo_t, si_pid),
    HAKO_SI_STATUS = offsetof(siginfo_t, si_status),
    /* the kernel's sigset_t (rt_sigprocmask's sigsetsize), not glibc's 128-byte one */
    HAKO_KERNEL_SIGSET_SIZE = _NSIG / 8,
    /* a zeroed buffer for rt_sigaction(2) (SIG_DFL, no flags, empty mask): glibc's struct
     * sigaction, which is larger than the kernel's on every architecture */
    HAKO_SIGACTION_BUFFER_SIZE = sizeof(struct sigaction),
    /* struct ifreq for SIOCGIFFLAGS / SIOCSIFFLAGS */
    HAKO_IFREQ_SIZE = sizeof(struct ifreq),
    HAKO_IFR_NAME = offsetof(struct ifreq, ifr_name),
    HAKO_IFR_FLAGS = offsetof(struct ifreq, ifr_flags),
    /* struct epoll_event: packed on x86_64, naturally aligned on aarch64 */
    HAKO_EPOLL_EVENT_SIZE = sizeof(struct epoll_event),
    HAKO_EPOLL_EVENT_EVENTS = offsetof(struct epoll_event, events),
    HAKO_EPOLL_EVENT_DATA = offsetof(struct epoll_event, data),
    /* capget(2) / capset(2) */
    HAKO_CAP_DATA_SIZE = sizeof(struct __user_cap_data_struct),
    HAKO_CAP_HEADER_SIZE = sizeof(struct __user_cap_header_struct),
    HAKO_CAP_HEADER_VERSION = offsetof(struct __user_cap_header_struct, version),
    HAKO_CAP_HEADER_PID = offsetof(struct __user_cap_header_struct, pid),
    HAKO_CAP_DATA_EFFECTIVE = offsetof(struct __user_cap_data_struct, effective),
    HAKO_CAP_DATA_PERMITTED = offsetof(struct __user_cap_data_struct, permitted),
    HAKO_CAP_DATA_INHERITABLE = offsetof(struct __user_cap_data_struct, inheritable),
    /* struct rlimit for setrlimit(2) / getrlimit(2) */
    HAKO_RLIMIT_SIZE = sizeof(struct rlimit),
    HAKO_RLIM_CUR = offsetof(struct rlimit, rlim_cur),
    HAKO_RLIM_MAX = offsetof(struct rlimit, rlim_max),
};

/* dev.hako.image unpacks layers with the file calls Java's file API lacks (FileCalls) */
#include <stdio.h>
#include <sys/xattr.h>
#include <time.h>

enum {
    /* struct timespec, two of which utimensat(2) takes */
    HAKO_TIMESPEC_SIZE = sizeof(struct timespec),
    HAKO_TV_SEC = offsetof(struct timespec, tv_sec),
    HAKO_TV_NSEC = offsetof(struct timespec, tv_nsec),
};

/* the filesystem under a layer store or an overlay upper directory (statfs f_type) */
#include <sys/vfs.h>
#include <linux/magic.h>

enum {
    HAKO_STATFS_SIZE = sizeof(struct statfs),
    HAKO_STATFS_F_TYPE = offsetof(struct statfs, f_type),
};

/* seccomp filters compiled in Java (dev.hako.seccomp): classic BPF, seccomp_data, audit arches */
#include <linux/seccomp.h>
#include <linux/filter.h>
#include <linux/audit.h>
#include <sys/personality.h>

enum {
    HAKO_SECCOMP_DATA_SIZE = sizeof(struct seccomp_data),
    HAKO_SECCOMP_DATA_NR = offsetof(struct seccomp_data, nr),
    HAKO_SECCOMP_DATA_ARCH = offsetof(struct seccomp_data, arch),
    HAKO_SECCOMP_DATA_IP = offsetof(struct seccomp_data, instruction_pointer),
    HAKO_SECCOMP_DATA_ARGS = offsetof(struct seccomp_data, args),
    HAKO_SOCK_FILTER_SIZE = sizeof(struct sock_filter),
    HAKO_SOCK_FPROG_SIZE = sizeof(struct sock_fprog),
    HAKO_SOCK_FPROG_LEN = offsetof(struct sock_fprog, len),
    HAKO_SOCK_FPROG_FILTER = offsetof(struct sock_fprog, filter),
};

/* looking up files inside a rootfs without leaving it (dev.hako.linux.RootedFiles) */
#include <linux/openat2.h>

enum {
    /* struct stat as fstat(2) fills it in */
    HAKO_STAT_SIZE = sizeof(struct stat),
    HAKO_ST_DEV = offsetof(struct stat, st_dev),
    HAKO_ST_INO = offsetof(struct stat, st_ino),
    HAKO_ST_MODE = offsetof(struct stat, st_mode),
    HAKO_ST_RDEV = offsetof(struct stat, st_rdev),
    HAKO_ST_SIZE = offsetof(struct stat, st_size),
};

/* the device policy on cgroup v2 (dev.hako.cgroup): an eBPF program of type
 * BPF_PROG_TYPE_CGROUP_DEVICE, loaded and attached with bpf(2) (dev.hako.linux.Bpf) */
#include <linux/bpf.h>
#include <linux/major.h>

enum {
    /* one eBPF instruction; its register nibbles are a bit field, so only the size is taken */
    HAKO_BPF_INSN_SIZE = sizeof(struct bpf_insn),
    /* union bpf_attr: its BPF_PROG_LOAD, BPF_PROG_ATTACH and BPF_PROG_QUERY members */
    HAKO_BPF_ATTR_SIZE = sizeof(union bpf_attr),
    HAKO_BPF_PROG_TYPE = offsetof(union bpf_attr, prog_type),
    HAKO_BPF_INSN_CNT = offsetof(union bpf_attr, insn_cnt),
    HAKO_BPF_INSNS = offsetof(union bpf_attr, insns),
    HAKO_BPF_LICENSE = offsetof(union bpf_attr, license),
    HAKO_BPF_LOG_LEVEL = offsetof(union bpf_attr, log_level),
    HAKO_BPF_LOG_SIZE = offsetof(union bpf_attr, log_size),
    HAKO_BPF_LOG_BUF = offsetof(union bpf_attr, log_buf),
    HAKO_BPF_PROG_NAME = offsetof(union bpf_attr, prog_name),
    HAKO_BPF_TARGET_FD = offsetof(union bpf_attr, target_fd),
    HAKO_BPF_ATTACH_BPF_FD = offsetof(union bpf_attr, attach_bpf_fd),
    HAKO_BPF_ATTACH_TYPE = offsetof(union bpf_attr, attach_type),
    HAKO_BPF_ATTACH_FLAGS = offsetof(union bpf_attr, attach_flags),
    HAKO_BPF_QUERY_TARGET_FD = offsetof(union bpf_attr, query.target_fd),
    HAKO_BPF_QUERY_ATTACH_TYPE = offsetof(union bpf_attr, query.attach_type),
    HAKO_BPF_QUERY_PROG_CNT = offsetof(union bpf_attr, query.prog_cnt),
};

/* a terminal for the container (dev.hako.terminal): the pty ioctls, the window size, and the
 * master passed to the JVM over a socket (SCM_RIGHTS); poll(2) for the JVM's end of it */
#include <poll.h>
#include <sys/uio.h>

enum {
    HAKO_MSGHDR_SIZE = sizeof(struct msghdr),
    HAKO_MSG_IOV = offsetof(struct msghdr, msg_iov),
    HAKO_MSG_IOVLEN = offsetof(struct msghdr, msg_iovlen),
    HAKO_MSG_CONTROL = offsetof(struct msghdr, msg_control),
    HAKO_MSG_CONTROLLEN = offsetof(struct msghdr, msg_controllen),
    HAKO_MSG_FLAGS = offsetof(struct msghdr, msg_flags),
    HAKO_IOVEC_SIZE = sizeof(struct iovec),
    HAKO_IOV_BASE = offsetof(struct iovec, iov_base),
    HAKO_IOV_LEN = offsetof(struct iovec, iov_len),
    /* one control message carrying one descriptor: its buffer size and its cmsg_len */
    HAKO_CMSG_SPACE_ONE_FD = CMSG_SPACE(sizeof(int)),
    HAKO_CMSG_LEN_ONE_FD = CMSG_LEN(sizeof(int)),
    HAKO_CMSGHDR_LEN = offsetof(struct cmsghdr, cmsg_len),
    HAKO_CMSGHDR_LEVEL = offsetof(struct cmsghdr, cmsg_level),
    HAKO_CMSGHDR_TYPE = offsetof(struct cmsghdr, cmsg_type),
    /* where CMSG_DATA starts: CMSG_LEN(n) is that offset plus n by definition */
    HAKO_CMSGHDR_DATA = CMSG_LEN(0),
    HAKO_POLLFD_SIZE = sizeof(struct pollfd),
    HAKO_POLLFD_FD = offsetof(struct pollfd, fd),
    HAKO_POLLFD_EVENTS = offsetof(struct pollfd, events),
    HAKO_POLLFD_REVENTS = offsetof(struct pollfd, revents),
};

/* rtnetlink and the generic netlink core (dev.hako.netlink): sockets of AF_NETLINK, message
 * and attribute headers, extended acks, and the link, address and route families' headers */
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/if_link.h>
#include <linux/if_addr.h>
#include <linux/veth.h>

enum {
    HAKO_SOCKADDR_NL_SIZE = sizeof(struct sockaddr_nl),
    HAKO_NL_FAMILY = offsetof(struct sockaddr_nl, nl_family),
    HAKO_NL_PID = offsetof(struct sockaddr_nl, nl_pid),
    HAKO_NL_GROUPS = offsetof(struct sockaddr_nl, nl_groups),
    /* the peer address of a struct msghdr: recvmsg says who sent a datagram */
    HAKO_MSG_NAME = offsetof(struct msghdr, msg_name),
    HAKO_MSG_NAMELEN = offsetof(struct msghdr, msg_namelen),
    HAKO_NLMSGHDR_SIZE = sizeof(struct nlmsghdr),
    HAKO_NLMSG_LEN = offsetof(struct nlmsghdr, nlmsg_len),
    HAKO_NLMSG_TYPE = offsetof(struct nlmsghdr, nlmsg_type),
    HAKO_NLMSG_FLAGS = offsetof(struct nlmsghdr, nlmsg_flags),
    HAKO_NLMSG_SEQ = offsetof(struct nlmsghdr, nlmsg_seq),
    HAKO_NLMSG_PID = offsetof(struct nlmsghdr, nlmsg_pid),
    HAKO_NLATTR_SIZE = sizeof(struct nlattr),
    HAKO_NLA_LEN = offsetof(struct nlattr, nla_len),
    HAKO_NLA_TYPE = offsetof(struct nlattr, nla_type),
    /* struct nlmsgerr: the error, then the request's header (all of the request without NLM_F_CAPPED) */
    HAKO_NLMSGERR_ERROR = offsetof(struct nlmsgerr, error),
    HAKO_NLMSGERR_MSG = offsetof(struct nlmsgerr, msg),
    HAKO_IFINFOMSG_SIZE = sizeof(struct ifinfomsg),
    HAKO_IFI_FAMILY = offsetof(struct ifinfomsg, ifi_family),
    HAKO_IFI_TYPE = offsetof(struct ifinfomsg, ifi_type),
    HAKO_IFI_INDEX = offsetof(struct ifinfomsg, ifi_index),
    HAKO_IFI_FLAGS = offsetof(struct ifinfomsg, ifi_flags),
    HAKO_IFI_CHANGE = offsetof(struct ifinfomsg, ifi_change),
    HAKO_IFADDRMSG_SIZE = sizeof(struct ifaddrmsg),
    HAKO_IFA_FAMILY = offsetof(struct ifaddrmsg, ifa_family),
    HAKO_IFA_PREFIXLEN = offsetof(struct ifaddrmsg, ifa_prefixlen),
    HAKO_IFA_FLAGS = offsetof(struct ifaddrmsg, ifa_flags),
    HAKO_IFA_SCOPE = offsetof(struct ifaddrmsg, ifa_scope),
    HAKO_IFA_INDEX = offsetof(struct ifaddrmsg, ifa_index),
    HAKO_RTMSG_SIZE = sizeof(struct rtmsg),
    HAKO_RTM_FAMILY = offsetof(struct rtmsg, rtm_family),
    HAKO_RTM_DST_LEN = offsetof(struct rtmsg, rtm_dst_len),
    HAKO_RTM_SRC_LEN = offsetof(struct rtmsg, rtm_src_len),
    HAKO_RTM_TOS = offsetof(struct rtmsg, rtm_tos),
    HAKO_RTM_TABLE = offsetof(struct rtmsg, rtm_table),
    HAKO_RTM_PROTOCOL = offsetof(struct rtmsg, rtm_protocol),
    HAKO_RTM_SCOPE = offsetof(struct rtmsg, rtm_scope),
    HAKO_RTM_TYPE = offsetof(struct rtmsg, rtm_type),
    HAKO_RTM_FLAGS = offsetof(struct rtmsg, rtm_flags),
};

/* nftables (dev.hako.netlink): nfnetlink's batches and family header, nf_tables' messages,
 * attributes and expressions, the hooks and NAT priorities of IPv4, NAT range flags, and the
 * IPv4, TCP and UDP header fields that rules match */
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nf_nat.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <linux/udp.h>

enum {
    /* where nft's payload loads of ip saddr/daddr and tcp/udp dport read */
    HAKO_IPHDR_SADDR = offsetof(struct iphdr, saddr),
    HAKO_IPHDR_DADDR = offsetof(struct iphdr, daddr),
    HAKO_TCPHDR_DEST = offsetof(struct tcphdr, dest),
    HAKO_UDPHDR_DEST = offsetof(struct udphdr, dest),
    HAKO_NFGENMSG_SIZE = sizeof(struct nfgenmsg),
    HAKO_NFGEN_FAMILY = offsetof(struct nfgenmsg, nfgen_family),
    HAKO_NFGEN_VERSION = offsetof(struct nfgenmsg, version),
    HAKO_NFGEN_RES_ID = offsetof(struct nfgenmsg, res_id),
};

/* the OCI runtime (dev.hako.oci): a terminal's master sent to an engine's console socket,
 * an AF_UNIX stream socket at a path that connect(2) reaches */
#include <sys/un.h>

enum {
    HAKO_SOCKADDR_UN_SIZE = sizeof(struct sockaddr_un),
    HAKO_SUN_FAMILY = offsetof(struct sockaddr_un, sun_family),
    HAKO_SUN_PATH = offsetof(struct sockaddr_un, sun_path),
};
/* namespace files joined by path (Container.Builder.joinNamespace): their type */
#include <linux/nsfs.h>
