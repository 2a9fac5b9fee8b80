using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using AcWs.Runtime;

namespace AcWs.Host;

/// <summary>
/// The request-header deadline HttpListener lacks on Linux. Its managed implementation drops a connection that
/// sends nothing for 90 s, but one that sends part of a request header and then stalls is held forever, one
/// descriptor each. Every few seconds this lists acws's own connections to the listening port
/// (<see cref="SocketDiag"/>, or <c>/proc/self/net/tcp</c> and <c>tcp6</c>; <c>/proc/self/fd</c>) and shuts down those that have had no request
/// in progress for longer than the deadline; HttpListener then reads the end of the stream and closes them.
/// A connection with a request in progress (a WebSocket client, for its whole life) is never touched.
/// Elsewhere it does nothing (Windows' HTTP.sys has its own header timeout).
/// </summary>
public sealed class StalledConnections(int port, TimeSpan deadline)
{
    readonly Lock gate = new();
    readonly Dictionary<IPEndPoint, int> busy = [];
    readonly Dictionary<IPEndPoint, DateTime> idleSince = [];

    /// <summary>Marks a connection as having a request in progress until disposed.</summary>
    public Request Begin(IPEndPoint? remote)
    {
        if (remote is null) return new Request(this, null);
        remote = Normal(remote);
        lock (gate) busy[remote] = busy.GetValueOrDefault(remote) + 1;
        return new Request(this, remote);
    }

    public readonly struct Request(StalledConnections owner, IPEndPoint? remote) : IDisposable
    {
        public void Dispose()
        {
            if (remote is null) return;
            lock (owner.gate)
            {
                if (--owner.busy[remote] > 0) return;
                owner.busy.Remove(remote);
                // A kept-alive connection gets the deadline again for its next request.
                owner.idleSince[remote] = DateTime.UtcNow;
            }
        }
    }

    /// <summary>Sweeps every quarter of the deadline until <paramref name="stop"/>.</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        if (!OperatingSystem.IsLinux()) return;
        using var timer = new PeriodicTimer(deadline / 4);
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                try { Sweep(DateTime.UtcNow); }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException) { /* /proc unreadable this time */ }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or DllNotFoundException or EntryPointNotFoundException) { }
    }

    /// <summary>Shuts down the connections idle past the deadline; returns how many.</summary>
    public int Sweep(DateTime now)
    {
        // The kernel is asked again only when acws's own sockets changed: listing the port's connections walks
        // every socket of the network namespace, while an idle acws's descriptors are a few dozen links to read.
        var descriptors = SocketDescriptors();
        if (known is null || !descriptors.Keys.ToHashSet().SetEquals(known.Value.Sockets))
            known = ([.. descriptors.Keys], OpenConnections());
        var open = known.Value.Open;
        var stalled = new List<long>();
        lock (gate)
        {
            foreach (var (remote, inode) in open)
            {
                if (busy.ContainsKey(remote)) continue;
                if (!idleSince.TryGetValue(remote, out var since)) idleSince[remote] = now;
                else if (now - since > deadline) stalled.Add(inode);
            }
            foreach (var gone in idleSince.Keys.Where(r => !open.ContainsKey(r)).ToList()) idleSince.Remove(gone);
        }
        int shut = 0;
        foreach (long inode in stalled)
            if (descriptors.TryGetValue(inode, out int fd) && ShutDown(fd, inode)) shut++;
        return shut;
    }

    /// <summary>acws's socket inodes at the last listing of the port's connections, and that listing.</summary>
    (HashSet<long> Sockets, Dictionary<IPEndPoint, long> Open)? known;

    /// <summary>Accepted connections on the port (established, or closed by the peer), by remote end: their socket inode.</summary>
    Dictionary<IPEndPoint, long> OpenConnections() => SocketDiag.Connections(port) ?? ListedConnections();

    /// <summary><see cref="OpenConnections"/> from the text tables, where the kernel's netlink diagnostics are not available.</summary>
    Dictionary<IPEndPoint, long> ListedConnections()
    {
        var found = new Dictionary<IPEndPoint, long>();
        foreach (string table in new[] { "/proc/self/net/tcp", "/proc/self/net/tcp6" })
        {
            IEnumerable<string> lines;
            try { lines = File.ReadLines(table).Skip(1).ToList(); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { continue; }
            foreach (string line in lines)
            {
                // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode …
                var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (f.Length < 10 || f[3] is not ("01" or "08")) continue;
                var local = ParseEndPoint(f[1]);
                if (local.Port != port || !long.TryParse(f[9], out long inode) || inode == 0) continue;
                found[Normal(ParseEndPoint(f[2]))] = inode;
            }
        }
        return found;
    }

    /// <summary>The kernel's hex form: IPv4 as one 32-bit word, IPv6 as four, each in host (little-endian) order.</summary>
    static IPEndPoint ParseEndPoint(string hex)
    {
        int colon = hex.IndexOf(':');
        string address = hex[..colon];
        int port = int.Parse(hex[(colon + 1)..], NumberStyles.HexNumber);
        var bytes = new byte[address.Length / 2];
        for (int word = 0; word < bytes.Length / 4; word++)
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(word * 4), uint.Parse(address.AsSpan(word * 8, 8), NumberStyles.HexNumber));
        return new IPEndPoint(new IPAddress(bytes), port);
    }

    static IPEndPoint Normal(IPEndPoint e) => e.Address.IsIPv4MappedToIPv6 ? new IPEndPoint(e.Address.MapToIPv4(), e.Port) : e;

    /// <summary>This process's socket descriptors by inode.</summary>
    static Dictionary<long, int> SocketDescriptors()
    {
        var found = new Dictionary<long, int>();
        foreach (string entry in Directory.EnumerateFileSystemEntries("/proc/self/fd"))
            if (int.TryParse(Path.GetFileName(entry), out int fd) && SocketInode(entry) is long inode) found[inode] = fd;
        return found;
    }

    static long? SocketInode(string fdPath)
    {
        try
        {
            string? target = new FileInfo(fdPath).LinkTarget;
            return target is not null && target.StartsWith("socket:[") && long.TryParse(target.AsSpan(8, target.Length - 9), out long inode) ? inode : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }

    /// <summary>
    /// Shuts the socket down through a duplicate of its descriptor, after checking the duplicate is that socket
    /// (the descriptor may have been closed and reused since it was listed).
    /// </summary>
    static bool ShutDown(int fd, long inode)
    {
        int copy = dup(fd);
        if (copy < 0) return false;
        try { return SocketInode($"/proc/self/fd/{copy}") == inode && shutdown(copy, ShutReadWrite) == 0; }
        finally { close(copy); }
    }

    const int ShutReadWrite = 2;
    [DllImport("libc", SetLastError = true)] static extern int dup(int fd);
    [DllImport("libc", SetLastError = true)] static extern int shutdown(int fd, int how);
    [DllImport("libc", SetLastError = true)] static extern int close(int fd);
}
