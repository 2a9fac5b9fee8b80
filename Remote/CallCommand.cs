using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

using AcWs.Runtime;

namespace AcWs.Remote;

/// <summary>
/// <c>acws call COMMAND…</c>: a client of a running acws for scripts and timers. Sends each command in order,
/// prints each reply as one line of JSON, stops at the first error, and may then wait for a pushed event.
/// </summary>
public static class CallCommand
{
    public const int Ok = 0, ErrorReply = 1, BadUsage = 2, NoConnection = 3, TimedOut = 4;

    /// <summary>A way out with its exit code and its one-line message.</summary>
    sealed class Failure(int exitCode, string message) : Exception(message)
    {
        public int ExitCode { get; } = exitCode;
    }

    public static async Task<int> RunAsync(string[] args, Func<string, string?> env, TextWriter stdout, TextWriter stderr)
    {
        CallOptions options;
        try { options = CallOptions.Parse(args, env); }
        catch (UsageException e)
        {
            stderr.WriteLine($"acws call: {e.Message}");
            stderr.WriteLine(CallOptions.Usage);
            return BadUsage;
        }
        if (options.ShowHelp) { stdout.WriteLine(CallOptions.Usage); return Ok; }
        try
        {
            using var socket = await ConnectAsync(options);
            return await TalkAsync(socket, options, stdout, stderr);
        }
        catch (Failure f)
        {
            stderr.WriteLine($"acws call: {f.Message}");
            return f.ExitCode;
        }
        finally
        {
            stdout.Flush();
        }
    }

    static async Task<int> TalkAsync(WebSocket socket, CallOptions options, TextWriter stdout, TextWriter stderr)
    {
        var welcome = await ReceiveAsync(socket, options.Timeout, "the welcome frame");
        if (!welcome.IsData || !welcome.HasVersion)
            throw new Failure(NoConnection, $"{options.Url} is not acws: its first frame was {welcome.Text}");

        // An awaited event may come while a later command's reply is still on its way: it counts.
        Frame? awaited = null;
        foreach (string command in options.Commands)
        {
            await SendAsync(socket, command, options.Timeout);
            while (true)
            {
                var frame = await ReceiveAsync(socket, options.Timeout, $"the reply to '{command}'");
                if (frame.IsPush)
                {
                    if (awaited is null && options.WaitEvent is { } topic && frame.Topic == topic) awaited = frame;
                    continue;
                }
                Print(frame, options.Pretty, stdout);
                if (frame.IsError)
                {
                    stderr.WriteLine($"acws call: '{command}' failed: {frame.Msg ?? frame.Text}");
                    return ErrorReply;
                }
                // A command that answers in steps (a restart of a running server) marks each reply but the last "more".
                if (!frame.More) break;
            }
        }
        if (options.WaitEvent is { } wanted)
        {
            var e = awaited ?? await WaitForEventAsync(socket, wanted, options.Timeout);
            Print(e, options.Pretty, stdout);
            if (e.IsError)
            {
                stderr.WriteLine($"acws call: the '{wanted}' event is an error: {e.Msg ?? e.Text}");
                return ErrorReply;
            }
        }
        await CloseAsync(socket);
        return Ok;
    }

    /// <summary>
    /// Opens the WebSocket: the HTTP/1.1 upgrade written by hand on a TCP (or TLS, for wss://) stream, then the
    /// runtime's own WebSocket over it. ClientWebSocket would do the same through HttpClient's machinery, at
    /// 25 KB more binary, which the 8 MB budget does not have.
    /// </summary>
    static async Task<WebSocket> ConnectAsync(CallOptions options)
    {
        var url = options.Url;
        using var limit = new CancellationTokenSource(options.Timeout);
        Stream? stream = null;
        try
        {
            stream = new NetworkStream(await ConnectTcpAsync(url, limit.Token), ownsSocket: true);
            if (url.Scheme == "wss")
            {
                var tls = new SslStream(stream);
                stream = tls;
                await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = url.IdnHost }, limit.Token);
            }
            string key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
            string request = $"GET {url.PathAndQuery} HTTP/1.1\r\nHost: {url.Authority}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
                $"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n" +
                (options.Token is null ? "" : $"Authorization: Bearer {options.Token}\r\n") + "\r\n";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(request), limit.Token);
            var (status, accept) = await ReadResponseHeadAsync(stream, limit.Token);
            if (status != 101) throw new Failure(NoConnection, status switch
            {
                401 when options.Token is null => $"acws at {url} needs a token (HTTP 401): set ACWS_TOKEN or pass --token-file PATH",
                401 => $"acws at {url} refused the token (HTTP 401)",
                503 => $"acws at {url} has as many clients as it allows (HTTP 503)",
                _ => $"{url} refused the WebSocket (HTTP {status})",
            });
            string expected = Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")));
            if (accept != expected) throw new Failure(NoConnection, $"{url} is not a WebSocket server (its upgrade answer does not match the key)");
            var socket = WebSocket.CreateFromStream(stream, new WebSocketCreationOptions { IsServer = false, KeepAliveInterval = TimeSpan.Zero });
            stream = null;
            return socket;
        }
        catch (OperationCanceledException) { throw new Failure(NoConnection, $"cannot connect to {url} within {Seconds(options.Timeout)}"); }
        catch (Exception e) when (e is SocketException or IOException or System.Security.Authentication.AuthenticationException)
        {
            throw new Failure(NoConnection, $"cannot connect to {url}: {Innermost(e)} (is acws running there? set --url or ACWS_URL)");
        }
        finally
        {
            stream?.Dispose();
        }
    }

    /// <summary>
    /// A socket of each address's own family, tried in turn (Socket's own connect-by-name hands back a socket that
    /// a NetworkStream takes for unconnected in the NativeAOT build).
    /// </summary>
    static async Task<Socket> ConnectTcpAsync(Uri url, CancellationToken cancel)
    {
        IPAddress[] addresses = IPAddress.TryParse(url.IdnHost, out var ip) ? [ip] : await Dns.GetHostAddressesAsync(url.IdnHost, cancel);
        SocketException? last = null;
        foreach (var address in addresses)
        {
            var tcp = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await tcp.ConnectAsync(new IPEndPoint(address, url.Port), cancel);
                return tcp;
            }
            catch (SocketException e) { tcp.Dispose(); last = e; }
            catch { tcp.Dispose(); throw; }
        }
        throw last ?? new SocketException((int)SocketError.HostNotFound);
    }

    /// <summary>
    /// The status code and Sec-WebSocket-Accept of the upgrade answer, read a byte at a time: acws sends its welcome
    /// frame right after the header, and those bytes belong to the WebSocket.
    /// </summary>
    static async Task<(int Status, string? Accept)> ReadResponseHeadAsync(Stream stream, CancellationToken cancel)
    {
        var head = new List<byte>();
        var one = new byte[1];
        while (head.Count < 4 || head[^4] != '\r' || head[^3] != '\n' || head[^2] != '\r' || head[^1] != '\n')
        {
            if (head.Count > 16 * 1024) throw new IOException("the answer's header is over 16 KiB");
            if (await stream.ReadAsync(one, cancel) == 0) throw new IOException("the connection closed during the upgrade");
            head.Add(one[0]);
        }
        string[] lines = Encoding.ASCII.GetString([.. head]).Split("\r\n");
        string[] statusLine = lines[0].Split(' ');
        int status = statusLine.Length > 1 && int.TryParse(statusLine[1], out int code) ? code : 0;
        string? accept = lines.Skip(1).Where(l => l.StartsWith("Sec-WebSocket-Accept:", StringComparison.OrdinalIgnoreCase))
            .Select(l => l["Sec-WebSocket-Accept:".Length..].Trim()).FirstOrDefault();
        return (status, accept);
    }

    static async Task<Frame> WaitForEventAsync(WebSocket socket, string topic, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero) throw new Failure(TimedOut, $"timed out after {Seconds(timeout)} waiting for a '{topic}' event");
            var frame = await ReceiveAsync(socket, left, $"a '{topic}' event", timeout);
            if (frame.IsPush && frame.Topic == topic) return frame;
        }
    }

    static void Print(Frame frame, bool pretty, TextWriter stdout) => stdout.WriteLine(pretty ? Frame.Indented(frame.Utf8) : frame.Text);

    static async Task SendAsync(WebSocket socket, string command, TimeSpan timeout)
    {
        using var limit = new CancellationTokenSource(timeout);
        try { await socket.SendAsync(Encoding.UTF8.GetBytes(command), WebSocketMessageType.Text, true, limit.Token); }
        catch (OperationCanceledException) { throw new Failure(TimedOut, $"timed out after {Seconds(timeout)} sending '{command}'"); }
        catch (WebSocketException e) { throw new Failure(NoConnection, $"lost the connection to acws sending '{command}': {Innermost(e)}"); }
    }

    /// <summary>The next message; <paramref name="what"/> names what was awaited, for the messages.</summary>
    static async Task<Frame> ReceiveAsync(WebSocket socket, TimeSpan limit, string what, TimeSpan? reported = null)
    {
        using var cancel = new CancellationTokenSource(limit);
        var message = new MemoryStream();
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                var r = await socket.ReceiveAsync(buffer, cancel.Token);
                if (r.MessageType == WebSocketMessageType.Close)
                    throw new Failure(NoConnection, $"acws closed the connection while waiting for {what}" +
                        (socket.CloseStatusDescription is { Length: > 0 } why ? $" ({why})" : ""));
                message.Write(buffer, 0, r.Count);
                if (r.EndOfMessage) break;
            }
        }
        catch (OperationCanceledException) { throw new Failure(TimedOut, $"timed out after {Seconds(reported ?? limit)} waiting for {what}"); }
        catch (WebSocketException e) { throw new Failure(NoConnection, $"lost the connection to acws while waiting for {what}: {Innermost(e)}"); }
        try { return Frame.Read(message.ToArray()); }
        catch (JsonException) { throw new Failure(NoConnection, $"acws sent something that is not JSON while waiting for {what}"); }
    }

    static async Task CloseAsync(WebSocket socket)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try { await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", limit.Token); }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException) { /* the replies are in: a lost close does not matter */ }
    }

    static string Innermost(Exception e)
    {
        while (e.InnerException is not null) e = e.InnerException;
        return e is SocketException { SocketErrorCode: SocketError.ConnectionRefused } ? "connection refused" : e.Message;
    }

    static string Seconds(TimeSpan t) => $"{t.TotalSeconds:0.###} s";
}
