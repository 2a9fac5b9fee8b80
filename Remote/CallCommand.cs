using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using AcWs.Commands;

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

    static async Task<int> TalkAsync(ClientWebSocket socket, CallOptions options, TextWriter stdout, TextWriter stderr)
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
                if (!AnotherReplyFollows(command, frame)) break;
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

    static async Task<ClientWebSocket> ConnectAsync(CallOptions options)
    {
        var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        if (options.Token is not null) socket.Options.SetRequestHeader("Authorization", "Bearer " + options.Token);
        using var limit = new CancellationTokenSource(options.Timeout);
        try
        {
            await socket.ConnectAsync(options.Url, limit.Token);
            return socket;
        }
        catch (Exception e) when (e is WebSocketException or HttpRequestException or OperationCanceledException)
        {
            var status = socket.HttpStatusCode;
            socket.Dispose();
            throw new Failure(NoConnection, status switch
            {
                HttpStatusCode.Unauthorized when options.Token is null =>
                    $"acws at {options.Url} needs a token (HTTP 401): set ACWS_TOKEN or pass --token-file PATH",
                HttpStatusCode.Unauthorized => $"acws at {options.Url} refused the token (HTTP 401)",
                HttpStatusCode.ServiceUnavailable => $"acws at {options.Url} has as many clients as it allows (HTTP 503)",
                0 when e is OperationCanceledException => $"cannot connect to {options.Url} within {Seconds(options.Timeout)}",
                0 => $"cannot connect to {options.Url}: {Innermost(e)} (is acws running there? set --url or ACWS_URL)",
                _ => $"{options.Url} refused the WebSocket (HTTP {(int)status})",
            });
        }
    }

    /// <summary>
    /// <c>server restart</c> and <c>tracker restart</c> answer once per step when the child was running: the
    /// "stopped" reply, then the start's. Any other command, or a restart of a stopped child, answers once.
    /// </summary>
    static bool AnotherReplyFollows(string command, Frame reply)
    {
        string words = string.Join(' ', command.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)).ToLowerInvariant();
        return reply.IsData && (words, reply.Msg) is ("server restart", ServerCommands.StoppedMsg) or ("tracker restart", TrackerCommands.StoppedMsg);
    }

    static async Task<Frame> WaitForEventAsync(ClientWebSocket socket, string topic, TimeSpan timeout)
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

    static async Task SendAsync(ClientWebSocket socket, string command, TimeSpan timeout)
    {
        using var limit = new CancellationTokenSource(timeout);
        try { await socket.SendAsync(Encoding.UTF8.GetBytes(command), WebSocketMessageType.Text, true, limit.Token); }
        catch (OperationCanceledException) { throw new Failure(TimedOut, $"timed out after {Seconds(timeout)} sending '{command}'"); }
        catch (WebSocketException e) { throw new Failure(NoConnection, $"lost the connection to acws sending '{command}': {Innermost(e)}"); }
    }

    /// <summary>The next message; <paramref name="what"/> names what was awaited, for the messages.</summary>
    static async Task<Frame> ReceiveAsync(ClientWebSocket socket, TimeSpan limit, string what, TimeSpan? reported = null)
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

    static async Task CloseAsync(ClientWebSocket socket)
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
