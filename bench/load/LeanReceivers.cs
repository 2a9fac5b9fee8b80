using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

/// <summary>
/// Many WebSocket clients that only listen, read by one thread over epoll with raw sockets: a frame's arrival costs
/// this process one `recvmsg` and a scan of its bytes, where a ClientWebSocket reader costs 30–45 µs (a socket-engine
/// wake, a pool hop, a task, a string). On two shared cores the readers' CPU competes with the server being timed,
/// so a fan-out timed by 500 ClientWebSocket readers measures mostly the readers; timed by these, mostly acws.
/// Each socket asks for the kernel's receive timestamp (SO_TIMESTAMPNS): when the frame reached the client's
/// socket, whenever the reader gets to it. Held, the reader waits <see cref="HoldMs"/> after each line before it
/// reads at all, so the server sends to 500 sockets with nobody on this machine woken or competing for the cores,
/// as it would to 500 remote clients; the timestamps still say when each frame arrived.
/// Linux only (epoll, recvmsg), x86-64 or arm64.
/// </summary>
sealed class LeanReceivers : IDisposable
{
    sealed class Conn(Socket socket, int index)
    {
        public readonly Socket Socket = socket;
        public readonly int Index = index;
        public byte[] Buffer = new byte[4096];
        public int Length;
    }

    /// <summary>How long a held reader waits after each line before reading: far longer than a fan-out takes.</summary>
    public const int HoldMs = 100;

    readonly List<Conn> conns = [];

    /// <summary>A timed fan-out: delays (ms) as read and as the kernel stamped them, and the CPU spent by each side.</summary>
    public sealed record Timing(double[] ReadMs, double[] StampedMs, int Missing, double ServerCpuUs, double ReaderCpuUsPerFrame);

    /// <summary>
    /// Connects <paramref name="clients"/> lean receivers to <paramref name="server"/>, waits until it is quiet, and
    /// times <paramref name="events"/> pushed lines at them while acServer runs, the readers reading as frames come or
    /// <paramref name="held"/> until each fan-out is over.
    /// </summary>
    public static async Task<Timing> TimeFanoutAsync(Server server, int clients, string fifo, int events, Func<double>? cpuUs, bool held)
    {
        using var lean = Connect(server.Port, clients);
        await Cpu.SettleAsync(server);
        return await Bench.WhileAcServerRunsAsync(server.Port, () => lean.TimeFanoutAsync(fifo, events, cpuUs, held));
    }

    /// <summary>Opens <paramref name="n"/> connections and completes each handshake (101) before returning.</summary>
    static LeanReceivers Connect(int port, int n)
    {
        var all = new LeanReceivers();
        try
        {
            for (int i = 0; i < n; i++) all.conns.Add(Handshake(port, i));
        }
        catch { all.Dispose(); throw; }
        return all;
    }

    static Conn Handshake(int port, int index)
    {
        var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, ReceiveTimeout = 20_000 };
        try
        {
            s.Connect(IPAddress.Loopback, port);
            s.Send(Encoding.ASCII.GetBytes($"GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
                                          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"));
            var conn = new Conn(s, index);
            int end;
            while ((end = conn.Buffer.AsSpan(0, conn.Length).IndexOf("\r\n\r\n"u8)) < 0)
            {
                int got = s.Receive(conn.Buffer, conn.Length, conn.Buffer.Length - conn.Length, SocketFlags.None);
                if (got == 0) throw new IOException("closed during the handshake");
                conn.Length += got;
            }
            if (!conn.Buffer.AsSpan().StartsWith("HTTP/1.1 101"u8))
                throw new IOException($"no upgrade: {Encoding.ASCII.GetString(conn.Buffer, 0, end)}");
            // Whatever followed the headers (the welcome frame) stays for the frame reader.
            conn.Buffer.AsSpan(end + 4, conn.Length - end - 4).CopyTo(conn.Buffer);
            conn.Length -= end + 4;
            s.Blocking = false;
            s.SetRawSocketOption(1, Recv.SoTimestampNs, BitConverter.GetBytes(1)); // SOL_SOCKET
            return conn;
        }
        catch { s.Dispose(); throw; }
    }

    /// <summary>
    /// Times the fan-out of <see cref="Arrivals.PushAsync"/>'s lines at every client; also returns this process's
    /// CPU µs per frame read. Held, the reader reads event K only when it is let go, <see cref="HoldMs"/> after line K.
    /// </summary>
    async Task<Timing> TimeFanoutAsync(string fifo, int events, Func<double>? cpuUs, bool held)
    {
        var arrivals = new Arrivals(events, conns.Count);
        long frames = 0;
        double readerCpuUs = 0;
        var stop = new CancellationTokenSource();
        using var letGo = new SemaphoreSlim(0);
        int current = 0;
        var reader = new Thread(() =>
        {
            long threadCpuNs = Cpu.ThisThreadNs();
            int ep = Epoll.Create();
            try
            {
                foreach (var c in conns) Epoll.Add(ep, (int)c.Socket.Handle, c.Index);
                var ready = new int[256];
                while (!stop.IsCancellationRequested)
                {
                    if (held)
                    {
                        // Out of epoll_wait until let go: a frame arriving wakes nobody here.
                        if (!letGo.Wait(50)) continue;
                        var window = Stopwatch.StartNew();
                        int k = Volatile.Read(ref current);
                        while (!arrivals.Complete(k) && window.ElapsedMilliseconds < 5000 && !stop.IsCancellationRequested)
                        {
                            int got = Epoll.Wait(ep, ready, 50);
                            for (int r = 0; r < got; r++) frames += Drain(conns[ready[r]], ep, arrivals);
                        }
                        continue;
                    }
                    int n = Epoll.Wait(ep, ready, 50);
                    for (int r = 0; r < n; r++) frames += Drain(conns[ready[r]], ep, arrivals);
                }
            }
            finally
            {
                Epoll.Close(ep);
                readerCpuUs = (Cpu.ThisThreadNs() - threadCpuNs) / 1000.0;
            }
        }) { IsBackground = true, Name = "lean receivers" };
        reader.Start();
        try
        {
            Func<int, Task>? afterWrite = held ? async k =>
            {
                await Task.Delay(HoldMs);
                Volatile.Write(ref current, k);
                letGo.Release();
            } : null;
            var (ms, stampedMs, missing, serverCpu) = await arrivals.PushAsync(fifo, cpuUs, afterWrite);
            stop.Cancel();
            reader.Join();
            return new Timing(ms, stampedMs, missing, serverCpu, frames == 0 ? double.NaN : readerCpuUs / frames);
        }
        finally { stop.Cancel(); }
    }

    /// <summary>Reads what a ready connection has, reports each event frame in it; returns the frames read.</summary>
    static int Drain(Conn c, int ep, Arrivals arrivals)
    {
        int frames = 0;
        while (true)
        {
            if (c.Length == c.Buffer.Length) Array.Resize(ref c.Buffer, c.Buffer.Length * 2);
            int got = Recv.Message(c.Socket, c.Buffer.AsSpan(c.Length), out long stampRealNs, out bool wouldBlock);
            if (wouldBlock) return frames;
            if (got <= 0) { Epoll.Remove(ep, (int)c.Socket.Handle); return frames; }
            long now = Stopwatch.GetTimestamp();
            c.Length += got;
            foreach (int k in TakeFrames(c))
            {
                frames++;
                arrivals.Saw(k, c.Index, now, stampRealNs);
            }
        }
    }

    /// <summary>Takes the complete frames at the front of the buffer: for each, the K of `fanout-K` in it, else -1.</summary>
    static List<int> TakeFrames(Conn c)
    {
        var found = new List<int>();
        int at = 0;
        while (c.Length - at >= 2)
        {
            var b = c.Buffer.AsSpan(at, c.Length - at);
            int header = 2;
            long length = b[1] & 0x7f;
            if (length == 126) { header = 4; if (b.Length < 4) break; length = b[2] << 8 | b[3]; }
            else if (length == 127) { header = 10; if (b.Length < 10) break; length = (long)System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(b[2..]); }
            if (b.Length < header + length) break;
            // The frames are short and ASCII where the marker is: a char copy of the payload is cheap enough.
            found.Add(Arrivals.EventIn(Encoding.Latin1.GetString(b.Slice(header, (int)length))));
            at += header + (int)length;
        }
        c.Buffer.AsSpan(at, c.Length - at).CopyTo(c.Buffer);
        c.Length -= at;
        return found;
    }

    public void Dispose()
    {
        // A masked close frame (status 1000, mask key zero), then the socket is let go.
        byte[] close = [0x88, 0x82, 0, 0, 0, 0, 0x03, 0xE8];
        foreach (var c in conns)
        {
            try { c.Socket.Send(close, SocketFlags.None, out _); } catch (ObjectDisposedException) { }
            c.Socket.Dispose();
        }
        conns.Clear();
    }

    /// <summary>recvmsg(2) with the receive timestamp (SO_TIMESTAMPNS) the kernel attaches to what it returns.</summary>
    static unsafe class Recv
    {
        public const int SoTimestampNs = 35; // SO_TIMESTAMPNS (_OLD on 64-bit: a struct timespec of two longs)
        const int SolSocket = 1, DontWait = 0x40, EAgain = 11;

        struct IoVec { public byte* Base; public nuint Length; }
        struct MsgHdr { public void* Name; public uint NameLength; public IoVec* Iov; public nuint IovLength; public byte* Control; public nuint ControlLength; public int Flags; }

        [DllImport("libc", SetLastError = true)] static extern nint recvmsg(int fd, MsgHdr* msg, int flags);

        /// <summary>
        /// Bytes read (0: closed, -1: an error), <paramref name="wouldBlock"/> when nothing was there, and the kernel's
        /// CLOCK_REALTIME stamp (ns) of the last segment read, 0 if it gave none.
        /// </summary>
        public static int Message(Socket socket, Span<byte> into, out long stampRealNs, out bool wouldBlock)
        {
            byte* control = stackalloc byte[64];
            fixed (byte* buffer = into)
            {
                var iov = new IoVec { Base = buffer, Length = (nuint)into.Length };
                var msg = new MsgHdr { Iov = &iov, IovLength = 1, Control = control, ControlLength = 64 };
                nint got = recvmsg((int)socket.Handle, &msg, DontWait);
                stampRealNs = 0;
                wouldBlock = got < 0 && Marshal.GetLastPInvokeError() == EAgain;
                if (got <= 0) return (int)got;
                // struct cmsghdr: size_t len, int level, int type, then the data at 16 on 64-bit.
                for (nuint at = 0; at + 16 <= msg.ControlLength;)
                {
                    nuint length = *(nuint*)(control + at);
                    if (length < 16) break;
                    if (*(int*)(control + at + 8) == SolSocket && *(int*)(control + at + 12) == SoTimestampNs)
                        stampRealNs = *(long*)(control + at + 16) * 1_000_000_000 + *(long*)(control + at + 24);
                    at += (length + 7) & ~(nuint)7;
                }
                return (int)got;
            }
        }
    }

    static unsafe class Epoll
    {
        const int CtlAdd = 1, CtlDel = 2, In = 1;
        // struct epoll_event is packed (12 bytes) on x86-64 and naturally aligned (16) elsewhere.
        static readonly int Size = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16;
        static readonly int DataAt = Size == 12 ? 4 : 8;

        [DllImport("libc", SetLastError = true)] static extern int epoll_create1(int flags);
        [DllImport("libc", SetLastError = true)] static extern int epoll_ctl(int epfd, int op, int fd, byte* ev);
        [DllImport("libc", SetLastError = true)] static extern int epoll_wait(int epfd, byte* events, int max, int timeout);
        [DllImport("libc")] static extern int close(int fd);

        public static int Create() => epoll_create1(0) is var fd and >= 0 ? fd : throw new IOException($"epoll_create1: errno {Marshal.GetLastPInvokeError()}");
        public static void Close(int ep) => close(ep);

        public static void Add(int ep, int fd, int index)
        {
            byte* ev = stackalloc byte[16];
            *(uint*)ev = In;
            *(ulong*)(ev + DataAt) = (ulong)index;
            if (epoll_ctl(ep, CtlAdd, fd, ev) != 0) throw new IOException($"epoll_ctl: errno {Marshal.GetLastPInvokeError()}");
        }

        public static void Remove(int ep, int fd)
        {
            byte* ev = stackalloc byte[16];
            epoll_ctl(ep, CtlDel, fd, ev);
        }

        /// <summary>Waits up to <paramref name="timeoutMs"/>; fills <paramref name="ready"/> with the indexes given to <see cref="Add"/>.</summary>
        public static int Wait(int ep, int[] ready, int timeoutMs)
        {
            byte* evs = stackalloc byte[Size * ready.Length];
            int n = epoll_wait(ep, evs, ready.Length, timeoutMs);
            for (int i = 0; i < n; i++) ready[i] = (int)*(ulong*)(evs + i * Size + DataAt);
            return Math.Max(n, 0);
        }
    }
}
