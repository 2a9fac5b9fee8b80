using System.Buffers.Binary;
using System.Net;
using System.Net.WebSockets;
using System.Runtime.CompilerServices;
using System.Text;

namespace AcWs.Host;

/// <summary>
/// Answers a checked WebSocket upgrade (RFC 6455 §4.2.2) and makes the server-side WebSocket, as
/// <c>HttpListenerContext.AcceptWebSocketAsync</c> does, without its one costly step: the accept key's SHA-1 there
/// goes through OpenSSL, whose libraries (about 4 MB resident) would be loaded by the first client only for that.
/// The connection's stream is reached through the managed HttpListener's internal members (Linux, macOS); where
/// they are not there (Windows' http.sys HttpListener, another .NET), <see cref="TryAccept"/> returns null and the
/// caller uses AcceptWebSocketAsync.
/// </summary>
public static class WebSocketUpgrade
{
    const string ConnectionType = "System.Net.HttpConnection, System.Net.HttpListener";
    static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(30);
    static volatile bool unavailable;

    [UnsafeAccessor(UnsafeAccessorKind.Method, Name = "get_Connection")]
    [return: UnsafeAccessorType(ConnectionType)]
    static extern object ConnectionOf(HttpListenerContext context);

    [UnsafeAccessor(UnsafeAccessorKind.Method, Name = "get_ConnectedStream")]
    static extern Stream StreamOf([UnsafeAccessorType(ConnectionType)] object connection);

    [UnsafeAccessor(UnsafeAccessorKind.Method, Name = "set_SentHeaders")]
    static extern void SetSentHeaders(HttpListenerResponse response, bool sent);

    /// <summary>
    /// Sends 101 Switching Protocols for <paramref name="key"/> (already checked: 24 characters of base64) and
    /// returns the WebSocket; null when this HttpListener does not have the members used.
    /// </summary>
    public static async Task<WebSocket?> TryAccept(HttpListenerContext context, string key)
    {
        if (unavailable) return null;
        Stream stream;
        try
        {
            stream = StreamOf(ConnectionOf(context));
            // HttpListener must not write a response of its own on this connection any more.
            SetSentHeaders(context.Response, true);
        }
        catch (Exception e) when (e is MissingMemberException or TypeLoadException or InvalidCastException or NullReferenceException)
        {
            // Not the managed HttpListener this was written against (a missing member or type): the framework's way.
            unavailable = true;
            return null;
        }
        byte[] answer = Encoding.ASCII.GetBytes(
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
            $"Sec-WebSocket-Accept: {AcceptKey(key)}\r\n\r\n");
        await stream.WriteAsync(answer);
        await stream.FlushAsync();
        return WebSocket.CreateFromStream(stream, new WebSocketCreationOptions { IsServer = true, KeepAliveInterval = KeepAlive });
    }

    /// <summary>RFC 6455 §4.2.2: base64 of the SHA-1 of the key followed by the protocol's GUID.</summary>
    public static string AcceptKey(string key) =>
        Convert.ToBase64String(Sha1(Encoding.ASCII.GetBytes(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")));

    /// <summary>SHA-1 (RFC 3174), for the handshake only: it authenticates nothing, it only proves a WebSocket server answered.</summary>
    public static byte[] Sha1(ReadOnlySpan<byte> message)
    {
        uint h0 = 0x67452301, h1 = 0xEFCDAB89, h2 = 0x98BADCFE, h3 = 0x10325476, h4 = 0xC3D2E1F0;
        int blocks = (message.Length + 8) / 64 + 1;
        var padded = new byte[blocks * 64];
        message.CopyTo(padded);
        padded[message.Length] = 0x80;
        BinaryPrimitives.WriteUInt64BigEndian(padded.AsSpan(padded.Length - 8), (ulong)message.Length * 8);
        Span<uint> w = stackalloc uint[80];
        for (int block = 0; block < blocks; block++)
        {
            for (int i = 0; i < 16; i++) w[i] = BinaryPrimitives.ReadUInt32BigEndian(padded.AsSpan(block * 64 + i * 4));
            for (int i = 16; i < 80; i++) w[i] = uint.RotateLeft(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
            uint a = h0, b = h1, c = h2, d = h3, e = h4;
            for (int i = 0; i < 80; i++)
            {
                var (f, k) = i switch
                {
                    < 20 => ((b & c) | (~b & d), 0x5A827999u),
                    < 40 => (b ^ c ^ d, 0x6ED9EBA1u),
                    < 60 => ((b & c) | (b & d) | (c & d), 0x8F1BBCDCu),
                    _ => (b ^ c ^ d, 0xCA62C1D6u),
                };
                uint next = uint.RotateLeft(a, 5) + f + e + k + w[i];
                (e, d, c, b, a) = (d, c, uint.RotateLeft(b, 30), a, next);
            }
            h0 += a; h1 += b; h2 += c; h3 += d; h4 += e;
        }
        var digest = new byte[20];
        BinaryPrimitives.WriteUInt32BigEndian(digest, h0);
        BinaryPrimitives.WriteUInt32BigEndian(digest.AsSpan(4), h1);
        BinaryPrimitives.WriteUInt32BigEndian(digest.AsSpan(8), h2);
        BinaryPrimitives.WriteUInt32BigEndian(digest.AsSpan(12), h3);
        BinaryPrimitives.WriteUInt32BigEndian(digest.AsSpan(16), h4);
        return digest;
    }
}
