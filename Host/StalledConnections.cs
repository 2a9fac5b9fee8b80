using System.Buffers.Binary;
using System.Net;
using System.Runtime.InteropServices;
using AcWs.Runtime;

namespace AcWs.Host;

/// <summary>
/// The request-header deadline HttpListener lacks on Linux. Its managed implementation drops a connection that
/// sends nothing for 90 s, but one that sends part of a request header and then stalls is held forever, one
/// descriptor each. Every few seconds this lists acws's own connections to the listening port
/// (its descriptors in <c>/proc/self/fd</c>, and each socket's addresses, see <see cref="Accepted"/>) and shuts down those that have had no request
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
    /// Sweeps until <paramref name="stop"/>, on a thread of its own that sleeps in between (a timer would wake a
    /// pool thread each time, which then spins looking for more work): every quarter of the deadline while some
    /// connection is waiting for a request, once per deadline while none is. Each wake costs about as much as the
    /// whole sweep (caches gone cold), so an idle acws wakes 6 times a minute. A connection first seen by a slow
    /// sweep is dated back to its last received byte (<see cref="QuietMs"/>), so it still gets the deadline and
    /// no more, give or take a quarter of it.
    /// </summary>
    public void Start(CancellationToken stop)
    {
        if (!OperatingSystem.IsLinux()) return;
        new Thread(() =>
        {
            try
            {
                while (!stop.WaitHandle.WaitOne(NextSweep))
                {
                    try { Sweep(DateTime.UtcNow); }
                    catch (Exception e) when (e is IOException or UnauthorizedAccessException) { /* /proc unreadable this time */ }
                }
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or ObjectDisposedException) { }
        }) { IsBackground = true, Name = "header deadline" }.Start();
    }

    /// <summary>How long the sweep sleeps: a quarter of the deadline while a connection waits for a request.</summary>
    public TimeSpan NextSweep
    {
        get { lock (gate) return idleSince.Count > 0 ? deadline / 4 : deadline; }
    }

    /// <summary>Shuts down the connections idle past the deadline; returns how many.</summary>
    public int Sweep(DateTime now)
    {
        var open = Accepted(port);
        var stalled = new List<(IPEndPoint Remote, int Fd)>();
        lock (gate)
        {
            foreach (var (remote, fd) in open)
            {
                if (busy.ContainsKey(remote)) continue;
                // New since the last sweep: waiting since its last byte (or its start), not since it was noticed.
                if (!idleSince.TryGetValue(remote, out var since)) idleSince[remote] = since = now - TimeSpan.FromMilliseconds(QuietMs(fd));
                if (now - since > deadline) stalled.Add((remote, fd));
            }
            foreach (var gone in idleSince.Keys.Where(r => !open.ContainsKey(r)).ToList()) idleSince.Remove(gone);
        }
        int shut = 0;
        foreach (var (remote, fd) in stalled)
            if (ShutDown(fd, remote)) shut++;
        return shut;
    }

    /// <summary>
    /// Milliseconds since the connection last received data, or since it was established if it received none
    /// (<c>tcpi_last_data_recv</c> of TCP_INFO); 0 when the kernel does not say.
    /// </summary>
    static uint QuietMs(int fd)
    {
        var info = new byte[TcpInfoBytes];
        int length = info.Length;
        return getsockopt(fd, IpProtoTcp, TcpInfo, info, ref length) == 0 && length >= TcpiLastDataRecv + 4
            ? BitConverter.ToUInt32(info, TcpiLastDataRecv) : 0;
    }

    /// <summary>
    /// The connections accepted on <paramref name="port"/> among this process's descriptors, by remote end: their
    /// descriptor. Asked of each descriptor itself (its local address, whether it listens, its peer), so the cost is
    /// acws's own descriptors, never the machine's: the kernel's tables (<c>/proc/net/tcp</c>, or a sock_diag dump)
    /// list every socket of the network namespace, which on a busy host cost about 1 s of CPU a minute. A
    /// descriptor closed and reused meanwhile is caught by <see cref="ShutDown"/>.
    /// </summary>
    public static Dictionary<IPEndPoint, int> Accepted(int port)
    {
        var found = new Dictionary<IPEndPoint, int>();
        var address = new byte[SockaddrBytes];
        foreach (int fd in Descriptors())
            if (Remote(fd, port, address) is { } remote) found[remote] = fd;
        return found;
    }

    /// <summary>
    /// The remote end of <paramref name="fd"/> if it is a connection accepted on <paramref name="port"/>. A
    /// descriptor that is not a socket fails the first call, so most cost one call.
    /// </summary>
    static IPEndPoint? Remote(int fd, int port, byte[] address) =>
        Name(getsockname, fd, address) is { } local && local.Port == port && !Listening(fd) && Name(getpeername, fd, address) is { } remote
            ? Normal(remote) : null;

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

    /// <summary>
    /// This process's open descriptors: the names in <c>/proc/self/fd</c>, read with readdir. The .NET directory
    /// enumerators would stat each entry twice (its link, then what it points to), which was most of a sweep.
    /// </summary>
    static List<int> Descriptors()
    {
        var found = new List<int>();
        IntPtr dir = opendir("/proc/self/fd");
        if (dir == IntPtr.Zero) throw new IOException("cannot list /proc/self/fd");
        try
        {
            for (IntPtr entry; (entry = readdir(dir)) != IntPtr.Zero;)
                if (Number(entry + DirentName) is int fd) found.Add(fd);
        }
        finally { closedir(dir); }
        return found;
    }

    /// <summary>A NUL-terminated name of decimal digits ("." and ".." are not).</summary>
    static int? Number(IntPtr name)
    {
        int value = 0, i = 0;
        for (byte c; (c = Marshal.ReadByte(name, i)) != 0; i++)
        {
            if (c is < (byte)'0' or > (byte)'9' || i >= 9) return null;
            value = value * 10 + (c - '0');
        }
        return i > 0 ? value : null;
    }

    /// <summary>
    /// Shuts the socket down through a duplicate of its descriptor, after checking the duplicate is still that
    /// connection (the descriptor may have been closed and reused since it was listed).
    /// </summary>
    bool ShutDown(int fd, IPEndPoint remote)
    {
        int copy = dup(fd);
        if (copy < 0) return false;
        try { return remote.Equals(Remote(copy, port, new byte[SockaddrBytes])) && shutdown(copy, ShutReadWrite) == 0; }
        finally { close(copy); }
    }

    const int ShutReadWrite = 2, AfInet = 2, AfInet6 = 10, SockaddrBytes = 128, SolSocket = 1, SoAcceptConn = 30;
    /// <summary>struct tcp_info: 8 one-byte fields, then 32-bit ones; tcpi_last_data_recv is the 12th of those.</summary>
    const int IpProtoTcp = 6, TcpInfo = 11, TcpInfoBytes = 104, TcpiLastDataRecv = 52;
    /// <summary>Where d_name starts in a struct dirent on 64-bit Linux (glibc and musl): after d_ino, d_off (8 bytes each), d_reclen (2), d_type (1).</summary>
    const int DirentName = 19;
    [DllImport("libc", SetLastError = true)] static extern IntPtr opendir(string path);
    [DllImport("libc", SetLastError = true)] static extern IntPtr readdir(IntPtr dir);
    [DllImport("libc", SetLastError = true)] static extern int closedir(IntPtr dir);
    [DllImport("libc", SetLastError = true)] static extern int getsockname(int fd, byte[] address, ref int length);
    [DllImport("libc", SetLastError = true)] static extern int getpeername(int fd, byte[] address, ref int length);
    [DllImport("libc", SetLastError = true)] static extern int getsockopt(int fd, int level, int name, ref int value, ref int length);
    [DllImport("libc", SetLastError = true)] static extern int getsockopt(int fd, int level, int name, byte[] value, ref int length);
    [DllImport("libc", SetLastError = true)] static extern int dup(int fd);
    [DllImport("libc", SetLastError = true)] static extern int shutdown(int fd, int how);
    [DllImport("libc", SetLastError = true)] static extern int close(int fd);
}
