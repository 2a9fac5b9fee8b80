using System.Buffers.Binary;
using System.Net;
using System.Runtime.InteropServices;

namespace AcWs.Host;

/// <summary>
/// The TCP connections accepted on one local port, asked of the kernel over netlink (<c>NETLINK_SOCK_DIAG</c>) with
/// the port as a filter the kernel runs, so only those connections come back. Reading <c>/proc/self/net/tcp</c>
/// instead costs text for every socket of the machine's network namespace, on a busy host about 1 s of CPU a
/// minute for the header-deadline sweep alone (<see cref="StalledConnections"/>).
/// </summary>
public static class SocketDiag
{
    const int AfNetlink = 16, SockDgram = 2, SockCloexec = 0x80000, NetlinkSockDiag = 4;
    const ushort SockDiagByFamily = 20, NlmFRequest = 1, NlmFDump = 0x300, NlmsgDone = 3, NlmsgError = 2;
    const byte IpProtoTcp = 6, InetDiagBcSGe = 2, InetDiagBcSLe = 3;
    const ushort InetDiagReqBytecode = 1;
    const uint EstablishedOrCloseWait = (1u << 1) | (1u << 8);
    const int HeaderBytes = 16, RequestBytes = 56, BytecodeBytes = 16, MessageBytes = 72;

    /// <summary>
    /// Established (or closed by the peer) connections whose local port is <paramref name="port"/>, by remote end:
    /// their socket inode. Null when the kernel does not answer (no netlink, e.g. a sandbox): the caller falls back.
    /// </summary>
    public static Dictionary<IPEndPoint, long>? Connections(int port)
    {
        int fd = socket(AfNetlink, SockDgram | SockCloexec, NetlinkSockDiag);
        if (fd < 0) return null;
        try
        {
            var found = new Dictionary<IPEndPoint, long>();
            foreach (byte family in new byte[] { 2, 10 })
                if (!Dump(fd, family, port, found)) return null;
            return found;
        }
        finally { close(fd); }
    }

    static bool Dump(int fd, byte family, int port, Dictionary<IPEndPoint, long> found)
    {
        var request = new byte[HeaderBytes + RequestBytes + 4 + BytecodeBytes];
        BinaryPrimitives.WriteUInt32LittleEndian(request, (uint)request.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(request.AsSpan(4), SockDiagByFamily);
        BinaryPrimitives.WriteUInt16LittleEndian(request.AsSpan(6), NlmFRequest | NlmFDump);
        var req = request.AsSpan(HeaderBytes);
        req[0] = family;
        req[1] = IpProtoTcp;
        BinaryPrimitives.WriteUInt32LittleEndian(req[4..], EstablishedOrCloseWait);
        // One attribute: the filter program "local port ≥ port and ≤ port" (each test: jump to the next if true,
        // past the end, i.e. reject, if false), in the kernel's bytecode (inet_diag_bc_op: code, yes, no).
        var attr = req[RequestBytes..];
        BinaryPrimitives.WriteUInt16LittleEndian(attr, 4 + BytecodeBytes);
        BinaryPrimitives.WriteUInt16LittleEndian(attr[2..], InetDiagReqBytecode);
        var code = attr[4..];
        code[0] = InetDiagBcSGe; code[1] = 8; BinaryPrimitives.WriteUInt16LittleEndian(code[2..], 20);
        BinaryPrimitives.WriteUInt16LittleEndian(code[6..], (ushort)port);
        code[8] = InetDiagBcSLe; code[9] = 8; BinaryPrimitives.WriteUInt16LittleEndian(code[10..], 12);
        BinaryPrimitives.WriteUInt16LittleEndian(code[14..], (ushort)port);
        if (send(fd, request, request.Length, 0) != request.Length) return false;

        var buffer = new byte[32 * 1024];
        while (true)
        {
            long n = recv(fd, buffer, buffer.Length, 0);
            if (n <= 0) return false;
            for (int at = 0; at + HeaderBytes <= n;)
            {
                int length = (int)BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(at));
                ushort type = BinaryPrimitives.ReadUInt16LittleEndian(buffer.AsSpan(at + 4));
                if (type == NlmsgDone) return true;
                if (type == NlmsgError || length < HeaderBytes || at + length > n) return false;
                if (type == SockDiagByFamily && length >= HeaderBytes + MessageBytes)
                    Add(buffer.AsSpan(at + HeaderBytes, MessageBytes), found);
                at += (length + 3) & ~3;
            }
        }
    }

    /// <summary>One inet_diag_msg: family, state, timer, retrans, then the socket id (ports big-endian), …, inode at 68.</summary>
    static void Add(ReadOnlySpan<byte> msg, Dictionary<IPEndPoint, long> found)
    {
        int remotePort = BinaryPrimitives.ReadUInt16BigEndian(msg[6..]);
        var address = msg[0] == 2 ? new IPAddress(msg.Slice(24, 4)) : new IPAddress(msg.Slice(24, 16));
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        long inode = BinaryPrimitives.ReadUInt32LittleEndian(msg[68..]);
        if (inode != 0) found[new IPEndPoint(address, remotePort)] = inode;
    }

    [DllImport("libc", SetLastError = true)] static extern int socket(int domain, int type, int protocol);
    [DllImport("libc", SetLastError = true)] static extern nint send(int fd, byte[] buffer, nint length, int flags);
    [DllImport("libc", SetLastError = true)] static extern nint recv(int fd, byte[] buffer, nint length, int flags);
    [DllImport("libc", SetLastError = true)] static extern int close(int fd);
}
