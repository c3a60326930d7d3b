package dev.hako.spawn;

import dev.hako.Mount;
import dev.hako.Namespace;
import dev.hako.Rootfs;
import dev.hako.UserNamespace;
import dev.hako.cgroup.CgroupLimits;
import dev.hako.cgroup.DevicePolicy;
import dev.hako.fs.DeviceNode;
import dev.hako.net.NetworkPlan;
import dev.hako.seccomp.Filter;
import dev.hako.security.Capabilities;
import dev.hako.security.ResourceLimit;
import dev.hako.security.User;
import dev.hako.terminal.TerminalSize;

import java.lang.ProcessBuilder.Redirect;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** A validated container configuration, as the builder hands it over. */
public record LaunchConfig(
        String id,
        Rootfs rootfs,
        Set<Namespace> namespaces,
        String hostname,
        List<String> command,
        Map<String, String> env,
        String workingDir,
        boolean readonlyRootfs,
        Redirect stdin,
        Redirect stdout,
        Redirect stderr,
        boolean redirectErrorStream,
        boolean dieWithJvm,
        CgroupLimits limits,
        String cgroupParent,
        List<Mount> mounts,
        List<String> maskedPaths,
        List<String> readonlyPaths,
        boolean etcFiles,
        User user,
        Capabilities capabilities,
        boolean noNewPrivileges,
        List<ResourceLimit> rlimits,
        /* compiled once in build(); null: unconfined */
        Filter seccomp,
        /* the nodes beyond the standard ones, made in /dev */
        List<DeviceNode> devices,
        /* compiled once in build() */
        DevicePolicy devicePolicy,
        /* null: no terminal, the streams are as stdin/stdout/stderr say */
        TerminalSize terminal,
        List<PassedFd> passedFds,
        /* null: none (the namespaces lack USER); else its maps, or auto until a start resolves it */
        UserNamespace userNamespace,
        /* the user namespace denies setgroups: a JVM without root mapping its own gid alone */
        boolean setgroupsDenied,
        /* what the start does for the network; matches NETWORK in namespaces */
        NetworkPlan network,
        /* sysctl name (dotted) to value, written under /proc/sys in the order given */
        Map<String, String> sysctls,
        /* null: the UTS namespace's domain name is left as it is */
        String domainname,
        /* -1: the 022 every container starts with */
        int umask,
        /* supplementary gids beyond the user's own (groupAdd), for every process run as the container's */
        List<Integer> groupAdd,
        /* null: the JVM's; written by the JVM once the command has exec'd (see OomScore) */
        Integer oomScoreAdj,
        /* namespaces joined instead of created: none of their types is in namespaces */
        List<JoinedNamespace> joinedNamespaces,
        /* null: cgroupParent + "/" + id; else the cgroup's path from each hierarchy's root */
        String cgroupPath) {

    /** Whether the container gets a user namespace of its own. */
    public boolean hasUserNamespace() {
        return userNamespace != null;
    }

    /** The same configuration with the user namespace's maps as a start resolved them ({@link UserNamespace#auto()}). */
    public LaunchConfig withUserNamespace(UserNamespace resolved) {
        return new LaunchConfig(id, rootfs, namespaces, hostname, command, env, workingDir, readonlyRootfs, stdin,
                stdout, stderr, redirectErrorStream, dieWithJvm, limits, cgroupParent, mounts, maskedPaths,
                readonlyPaths, etcFiles, user, capabilities, noNewPrivileges, rlimits, seccomp, devices, devicePolicy,
                terminal, passedFds, resolved, setgroupsDenied, network, sysctls, domainname, umask, groupAdd,
                oomScoreAdj, joinedNamespaces, cgroupPath);
    }

    /**
     * The same configuration for another container: a pool's member gets its own id (and
     * cgroup) and hostname; HOSTNAME follows unless the environment set its own.
     */
    public LaunchConfig withIdentity(String newId, String newHostname) {
        Map<String, String> newEnv = env;
        if (newHostname != null && hostname != null && hostname.equals(env.get("HOSTNAME"))) {
            newEnv = new java.util.LinkedHashMap<>(env);
            newEnv.put("HOSTNAME", newHostname);
        }
        return new LaunchConfig(newId, rootfs, namespaces, newHostname, command, newEnv, workingDir, readonlyRootfs,
                stdin, stdout, stderr, redirectErrorStream, dieWithJvm, limits, cgroupParent, mounts, maskedPaths,
                readonlyPaths, etcFiles, user, capabilities, noNewPrivileges, rlimits, seccomp, devices, devicePolicy,
                terminal, passedFds, userNamespace, setgroupsDenied, network, sysctls, domainname, umask, groupAdd,
                oomScoreAdj, joinedNamespaces, cgroupPath);
    }

    /** The configuration as one start of a pool member made it: its command, environment, directory, user, stdio. */
    public LaunchConfig withStart(PooledStart start) {
        return new LaunchConfig(id, rootfs, namespaces, hostname, start.command(), start.env(), start.workingDir(),
                readonlyRootfs, start.stdin(), start.stdout(), start.stderr(), start.redirectErrorStream(), dieWithJvm,
                limits, cgroupParent, mounts, maskedPaths, readonlyPaths, etcFiles, start.user(), capabilities,
                noNewPrivileges, rlimits, seccomp, devices, devicePolicy, terminal, passedFds, userNamespace,
                setgroupsDenied, network, sysctls, domainname, umask, groupAdd, oomScoreAdj, joinedNamespaces,
                cgroupPath);
    }

    /** A namespace the container joins instead of creating one: its type, and the file that names it. */
    public record JoinedNamespace(Namespace type, java.nio.file.Path path) {
    }

    /** Whether the container has a namespace of {@code type}: one of its own, or one it joins. */
    public boolean hasNamespace(Namespace type) {
        return namespaces.contains(type) || joins(type);
    }

    /** Whether the container joins an existing namespace of {@code type}. */
    public boolean joins(Namespace type) {
        return joinedNamespaces.stream().anyMatch(j -> j.type() == type);
    }

    /** The paths the command's execve tries, in order, as the child's steps have them (like execvp). */
    public List<String> commandCandidates() {
        return ContainerProgram.candidates(command.get(0), path());
    }

    /** The PATH the command is looked up in: the container's own. */
    public String path() {
        return env.getOrDefault("PATH", "");
    }
}
