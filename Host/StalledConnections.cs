using System.Buffers.Binary;
using System.Net;
using System.Runtime.InteropServices;
using AcWs.Runtime;

namespace AcWs.Host;

/// <summary>
/// The request-header deadline HttpListener lacks on Linux. Its managed implementation drops a connection that
/// sends nothing for 90 s, but one that sends part of a request header and then stalls is held forever, one
/// descriptor each. Every few seconds this lists acws's own connections to the listening port
/// (its socket descriptors in <c>/proc/self/fd</c>, and each one's addresses, see <see cref="Accepted"/>) and shuts down those that have had no request
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

    /// <summary>
    /// Sweeps every quarter of the deadline until <paramref name="stop"/>, on a thread of its own that sleeps in
    /// between: a timer would wake a pool thread each time, which then spins looking for more work (most of what
    /// an idle acws spent).
    /// </summary>
    public void Start(CancellationToken stop)
    {
        if (!OperatingSystem.IsLinux()) return;
        new Thread(() =>
        {
            try
            {
                while (!stop.WaitHandle.WaitOne(deadline / 4))
                {
                    try { Sweep(DateTime.UtcNow); }
                    catch (Exception e) when (e is IOException or UnauthorizedAccessException) { /* /proc unreadable this time */ }
                }
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or ObjectDisposedException) { }
        }) { IsBackground = true, Name = "header deadline" }.Start();
    }

    /// <summary>Shuts down the connections idle past the deadline; returns how many.</summary>
    public int Sweep(DateTime now)
    {
        var descriptors = SocketDescriptors();
        var open = Accepted(descriptors, port);
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

    /// <summary>
    /// The connections accepted on <paramref name="port"/> among <paramref name="descriptors"/> (socket inode →
    /// descriptor), by remote end: their inode. Asked of each socket itself (its local and peer address, whether
    /// it listens), so the cost is acws's own sockets, never the machine's: the kernel's tables
    /// (<c>/proc/net/tcp</c>, or a sock_diag dump) list every socket of the network namespace, which on a busy
    /// host cost about 1 s of CPU a minute. A descriptor closed and reused meanwhile is caught by <see cref="ShutDown"/>.
    /// </summary>
    public static Dictionary<IPEndPoint, long> Accepted(Dictionary<long, int> descriptors, int port)
    {
        var found = new Dictionary<IPEndPoint, long>();
        var address = new byte[SockaddrBytes];
        foreach (var (inode, fd) in descriptors)
        {
            if (Name(getsockname, fd, address) is not { } local || local.Port != port || Listening(fd)) continue;
            if (Name(getpeername, fd, address) is { } remote) found[Normal(remote)] = inode;
        }
        return found;
    }

    delegate int NameCall(int fd, byte[] address, ref int length);

    /// <summary>A sockaddr_in or sockaddr_in6: family (host order), port (network order), then the address.</summary>
    static IPEndPoint? Name(NameCall call, int fd, byte[] address)
    {
        int length = address.Length;
        if (call(fd, address, ref length) != 0) return null;
        int family = BitConverter.ToUInt16(address, 0);
        int port = BinaryPrimitives.ReadUInt16BigEndian(address.AsSpan(2));
        return family switch
        {
            AfInet when length >= 8 => new IPEndPoint(new IPAddress(address.AsSpan(4, 4)), port),
            AfInet6 when length >= 24 => new IPEndPoint(new IPAddress(address.AsSpan(8, 16)), port),
            _ => null,
        };
    }

    static bool Listening(int fd)
    {
        int value = 0, length = sizeof(int);
        return getsockopt(fd, SolSocket, SoAcceptConn, ref value, ref length) == 0 && value != 0;
    }

    static IPEndPoint Normal(IPEndPoint e) => e.Address.IsIPv4MappedToIPv6 ? new IPEndPoint(e.Address.MapToIPv4(), e.Port) : e;

    /// <summary>This process's socket descriptors by inode.</summary>
    public static Dictionary<long, int> SocketDescriptors()
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

    const int ShutReadWrite = 2, AfInet = 2, AfInet6 = 10, SockaddrBytes = 128, SolSocket = 1, SoAcceptConn = 30;
    [DllImport("libc", SetLastError = true)] static extern int getsockname(int fd, byte[] address, ref int length);
    [DllImport("libc", SetLastError = true)] static extern int getpeername(int fd, byte[] address, ref int length);
    [DllImport("libc", SetLastError = true)] static extern int getsockopt(int fd, int level, int name, ref int value, ref int length);
    [DllImport("libc", SetLastError = true)] static extern int dup(int fd);
    [DllImport("libc", SetLastError = true)] static extern int shutdown(int fd, int how);
    [DllImport("libc", SetLastError = true)] static extern int close(int fd);
}
