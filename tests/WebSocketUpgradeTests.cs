using System.Net;
using System.Security.Cryptography;
using System.Text;
using AcWs.Tests.Support;

namespace AcWs.Tests;

/// <summary>
/// acws answers the WebSocket upgrade itself (Host/WebSocketUpgrade.cs) with its own SHA-1, so the first client does
/// not load OpenSSL: the answer must be exactly RFC 6455's, and the agent process must hold no OpenSSL library.
/// </summary>
public class WebSocketUpgradeTests
{
    [Test]
    public async Task The_accept_key_is_RFC_6455s_and_the_hash_matches_SHA1_for_every_length()
    {
        // The sample handshake of RFC 6455 §1.3.
        await Assert.That(WebSocketUpgrade.AcceptKey("dGhlIHNhbXBsZSBub25jZQ==")).IsEqualTo("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
        await Assert.That(Convert.ToHexStringLower(WebSocketUpgrade.Sha1("abc"u8))).IsEqualTo("a9993e364706816aba3e25717850c26c9cd0d89d");
        var random = new Random(17);
        for (int length = 0; length <= 200; length++)
        {
            var bytes = new byte[length];
            random.NextBytes(bytes);
            await Assert.That(WebSocketUpgrade.Sha1(bytes).SequenceEqual(SHA1.HashData(bytes))).IsTrue().Because($"length {length}");
        }
    }

    /// <summary>
    /// Both upgrades: acws's own, and HttpListener's AcceptWebSocketAsync, the only one on Windows (http.sys).
    /// </summary>
    [Test]
    [Arguments(false)]
    [Arguments(true)]
    public async Task A_raw_handshake_gets_101_with_the_right_accept_and_then_replies_to_a_frame(bool frameworkUpgrade)
    {
        using var folder = new TempServerFolder();
        await using var host = await AgentHost.StartAsync(new Options { Dir = folder.Root, Port = 0, FrameworkUpgrade = frameworkUpgrade });
        using var raw = new System.Net.Sockets.TcpClient();
        await raw.ConnectAsync(IPAddress.Loopback, host.Port);
        var stream = raw.GetStream();
        string key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
        await stream.WriteAsync(Encoding.ASCII.GetBytes(
            $"GET / HTTP/1.1\r\nHost: 127.0.0.1:{host.Port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
            $"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"));

        string head = await ReadHeadAsync(stream);
        var lines = head.Split("\r\n");
        await Assert.That(lines[0]).IsEqualTo("HTTP/1.1 101 Switching Protocols");
        await Assert.That(lines).Contains("Upgrade: websocket");
        await Assert.That(lines).Contains("Connection: Upgrade");
        string expected = Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")));
        await Assert.That(lines).Contains($"Sec-WebSocket-Accept: {expected}");
        // Which path answered: the framework's 101 carries the headers acws set on every response; acws's own sends none.
        await Assert.That(lines.Contains("X-Content-Type-Options: nosniff")).IsEqualTo(frameworkUpgrade);

        // The welcome frame, then a masked text frame answered with one unmasked text frame.
        await Assert.That(Encoding.UTF8.GetString(await ReadFrameAsync(stream))).Contains("Welcome");
        byte[] command = "server status"u8.ToArray(), mask = [1, 2, 3, 4];
        var frame = new byte[] { 0x81, (byte)(0x80 | command.Length) }.Concat(mask).Concat(command.Select((b, i) => (byte)(b ^ mask[i % 4]))).ToArray();
        await stream.WriteAsync(frame);
        await Assert.That(Encoding.UTF8.GetString(await ReadFrameAsync(stream))).StartsWith("{\"data\":");
    }

    [Test]
    public async Task A_connected_client_does_not_make_the_agent_load_OpenSSL()
    {
        if (!OperatingSystem.IsLinux()) return;
        using var folder = new TempServerFolder();
        await using var agent = await AgentProcess.StartAsync(["--dir", folder.Root, "--port", "0"]);
        await using var ws = await WsClient.ConnectAsync(agent.Port);
        await Assert.That((await ws.AskAsync("server status")).ErrorOrNull()).IsNull();
        var maps = await File.ReadAllTextAsync($"/proc/{agent.Process.Id}/maps");
        await Assert.That(maps).DoesNotContain("libcrypto");
        await Assert.That(maps).DoesNotContain("libssl");
    }

    static async Task<string> ReadHeadAsync(Stream stream)
    {
        var head = new List<byte>();
        var one = new byte[1];
        while (!(head.Count >= 4 && head[^4] == '\r' && head[^3] == '\n' && head[^2] == '\r' && head[^1] == '\n'))
        {
            if (await stream.ReadAsync(one).AsTask().WaitAsync(TimeSpan.FromSeconds(30)) == 0) throw new EndOfStreamException("closed during the handshake");
            head.Add(one[0]);
        }
        return Encoding.ASCII.GetString([.. head]).TrimEnd();
    }

    static async Task<byte[]> ReadFrameAsync(Stream stream)
    {
        var header = new byte[2];
        await stream.ReadExactlyAsync(header).AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        long length = header[1] & 0x7F;
        if (length == 126) { var ext = new byte[2]; await stream.ReadExactlyAsync(ext); length = ext[0] << 8 | ext[1]; }
        else if (length == 127) { var ext = new byte[8]; await stream.ReadExactlyAsync(ext); length = (long)System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(ext); }
        var payload = new byte[length];
        await stream.ReadExactlyAsync(payload).AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        return payload;
    }
}
