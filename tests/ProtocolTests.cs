using System.Net;
using System.Net.WebSockets;
using System.Text;
using AcWs.Tests.Support;

namespace AcWs.Tests;

/// <summary>End to end: a real ClientWebSocket against the real listener on 127.0.0.1.</summary>
public class ProtocolTests
{
    [Test]
    public async Task The_welcome_frame_comes_first_with_the_originals_wording()
    {
        using var folder = new TempServerFolder();
        await using var host = await AgentHost.StartAsync(folder.Root);
        await using var ws = await WsClient.ConnectAsync(host.Port, readWelcome: false);
        var welcome = (await ws.ReceiveAsync()).Data();
        await Assert.That(welcome.Str("msg")).IsEqualTo($"Welcome to the Assetto Corsa WebSocket server version {Agent.Version} running at 127.0.0.1:{host.Port}");
        await Assert.That(welcome.Str("version")).IsEqualTo(Agent.Version);
    }

    [Test]
    public async Task Server_info_entries_and_sessions_answer_over_a_websocket()
    {
        using var folder = new TempServerFolder();
        await using var host = await AgentHost.StartAsync(folder.Root);
        await using var ws = await WsClient.ConnectAsync(host.Port);
        var info = await ws.AskAsync("server info");
        await Assert.That(info.Data().GetProperty("server").Str("name")).IsEqualTo("AC_Server");
        var entries = await ws.AskAsync("server entries");
        await Assert.That(entries.Data().GetProperty("entries").GetProperty("CAR_21").Str("model")).IsEqualTo("bmw_m3_e30");
        var sessions = await ws.AskAsync("server sessions");
        await Assert.That(sessions.Data().GetProperty("sessions").GetProperty("Qualify").GetProperty("time").GetInt32()).IsEqualTo(10);
    }

    [Test]
    public async Task Logon_frames_of_the_original_clients_get_no_reply()
    {
        using var folder = new TempServerFolder();
        await using var host = await AgentHost.StartAsync(folder.Root);
        await using var ws = await WsClient.ConnectAsync(host.Port);
        await ws.SendAsync("logon: someone");
        var next = await ws.AskAsync("server info");
        await Assert.That(next.Data().TryGetProperty("server", out _)).IsTrue();
    }

    [Test]
    public async Task A_file_broken_while_running_is_an_error_and_the_agent_keeps_serving()
    {
        using var folder = new TempServerFolder();
        await using var host = await AgentHost.StartAsync(folder.Root);
        await using var ws = await WsClient.ConnectAsync(host.Port);
        File.WriteAllText(folder.Cfg("entry_list.ini"), "[CAR_0]\nMODEL=x\nthis is not ini\n");
        var broken = await ws.AskAsync("server entries");
        await Assert.That(broken.ErrorMsg()).IsEqualTo("cfg/entry_list.ini line 3: expected KEY=VALUE, [SECTION] or a comment, found 'this is not ini'");
        File.Delete(folder.Cfg("entry_list.ini"));
        var missing = await ws.AskAsync("server entries");
        await Assert.That(missing.ErrorMsg()).StartsWith("cfg/entry_list.ini not found");
        var info = await ws.AskAsync("server info");
        await Assert.That(info.ErrorOrNull()).IsNull();
    }

    [Test]
    public async Task With_a_token_the_upgrade_needs_it_by_header_or_query()
    {
        using var folder = new TempServerFolder();
        await using var host = await AgentHost.StartAsync(folder.Root, token: "s3cret-token");

        await using (var byQuery = await WsClient.ConnectAsync(host.Port, token: "s3cret-token"))
            await Assert.That((await byQuery.AskAsync("help")).ErrorOrNull()).IsNull();
        await using (var byHeader = await WsClient.ConnectAsync(host.Port, bearer: "s3cret-token"))
            await Assert.That((await byHeader.AskAsync("help")).ErrorOrNull()).IsNull();

        foreach (var token in new string?[] { null, "wrong", "s3cret-toke", "s3cret-token-and-more" })
        {
            using var raw = new ClientWebSocket();
            raw.Options.CollectHttpResponseDetails = true;
            string query = token is null ? "" : "?token=" + token;
            await Assert.ThrowsAsync<WebSocketException>(() => raw.ConnectAsync(new Uri($"ws://127.0.0.1:{host.Port}/{query}"), CancellationToken.None));
            await Assert.That(raw.HttpStatusCode).IsEqualTo(HttpStatusCode.Unauthorized);
        }
        string log = await host.LogWhenAsync(l => l.Split('\n').Count(x => x.Contains("missing or wrong token")) >= 4);
        await Assert.That(log.Split('\n').Count(x => x.Contains("missing or wrong token"))).IsEqualTo(4);
        await Assert.That(log).DoesNotContain("s3cret-token");
    }

    [Test]
    public async Task The_bearer_scheme_is_case_insensitive_and_the_query_parameter_is_exactly_token()
    {
        using var folder = new TempServerFolder();
        await using var host = await AgentHost.StartAsync(folder.Root, token: "s3cret+token/=");
        foreach (var scheme in new[] { "bearer", "BEARER", "Bearer" })
        {
            using var ws = new ClientWebSocket();
            ws.Options.SetRequestHeader("Authorization", $"{scheme} s3cret+token/=");
            await ws.ConnectAsync(new Uri($"ws://127.0.0.1:{host.Port}/"), CancellationToken.None);
            await Assert.That(ws.State).IsEqualTo(WebSocketState.Open);
        }
        await using (var byQuery = await WsClient.ConnectAsync(host.Port, token: "s3cret+token/="))
            await Assert.That((await byQuery.AskAsync("server status")).ErrorOrNull()).IsNull();
        foreach (var name in new[] { "TOKEN", "Token", "token_", "xtoken" })
        {
            using var raw = new ClientWebSocket();
            raw.Options.CollectHttpResponseDetails = true;
            await Assert.ThrowsAsync<WebSocketException>(() =>
                raw.ConnectAsync(new Uri($"ws://127.0.0.1:{host.Port}/?{name}={Uri.EscapeDataString("s3cret+token/=")}"), CancellationToken.None));
            await Assert.That(raw.HttpStatusCode).IsEqualTo(HttpStatusCode.Unauthorized);
        }
    }

    [Test]
    public async Task Client_text_is_escaped_in_the_log_one_command_one_line()
    {
        using var folder = new TempServerFolder();
        await using var host = await AgentHost.StartAsync(folder.Root);
        await using var ws = await WsClient.ConnectAsync(host.Port);
        await ws.AskAsync("help\n2026-11-26 07:00:00 client#99 10.0.0.66:4242 > shutdown now");
        await ws.AskAsync("server info\u001b[2J\u001b]0;owned\u0007\r\u2028\u202Eevil");
        string log = await host.LogWhenAsync(l => l.Contains("evil"));
        var lines = log.Split('\n');
        await Assert.That(lines.Any(l => l.Contains("> help\\x0A2026-11-26 07:00:00 client#99 10.0.0.66:4242 > shutdown now"))).IsTrue();
        await Assert.That(lines.Any(l => l.StartsWith("2026-11-26 07:00:00 client#99"))).IsFalse();
        await Assert.That(lines.Any(l => l.Contains("> server info\\x1B[2J\\x1B]0;owned\\x07\\x0D\\u2028\\u202Eevil"))).IsTrue();
        await Assert.That(log.Count(c => c is '\u001b' or '\u0007' or '\r' or '\u2028' or '\u202E')).IsEqualTo(0);
    }

    [Test]
    public async Task Plain_http_gets_health_the_console_404_and_400()
    {
        using var folder = new TempServerFolder();
        await using var host = await AgentHost.StartAsync(folder.Root, token: "t");
        using var http = new HttpClient();
        var health = await http.GetAsync($"http://127.0.0.1:{host.Port}/health");
        await Assert.That(health.StatusCode).IsEqualTo(HttpStatusCode.OK);
        await Assert.That(await health.Content.ReadAsStringAsync()).IsEqualTo($"{{\"status\":\"ok\",\"version\":\"{Agent.Version}\"}}");
        // HEAD: headers only, read off the raw socket (HttpClient would hide a body sent by mistake).
        using (var raw = new System.Net.Sockets.TcpClient())
        {
            await raw.ConnectAsync(IPAddress.Loopback, host.Port);
            var stream = raw.GetStream();
            await stream.WriteAsync(Encoding.ASCII.GetBytes($"HEAD /health HTTP/1.1\r\nHost: 127.0.0.1:{host.Port}\r\nConnection: close\r\n\r\n"));
            using var all = new MemoryStream();
            await stream.CopyToAsync(all).WaitAsync(TimeSpan.FromSeconds(10));
            string text = Encoding.ASCII.GetString(all.ToArray());
            await Assert.That(text).StartsWith("HTTP/1.1 200");
            await Assert.That(text[(text.IndexOf("\r\n\r\n") + 4)..]).IsEqualTo("");
        }
        await Assert.That((await http.GetAsync($"http://127.0.0.1:{host.Port}/nope")).StatusCode).IsEqualTo(HttpStatusCode.NotFound);
        // A browser's GET / gets the web console (WebConsoleTests checks it in full).
        var page = await http.GetAsync($"http://127.0.0.1:{host.Port}/");
        await Assert.That(page.StatusCode).IsEqualTo(HttpStatusCode.OK);
        await Assert.That(page.Content.Headers.ContentType!.MediaType).IsEqualTo("text/html");
        // Not an upgrade and not a GET: still 400.
        var post = await http.PostAsync($"http://127.0.0.1:{host.Port}/", new StringContent("x"));
        await Assert.That(post.StatusCode).IsEqualTo(HttpStatusCode.BadRequest);
    }

    [Test]
    public async Task A_message_over_64_KiB_closes_with_1009()
    {
        using var folder = new TempServerFolder();
        await using var host = await AgentHost.StartAsync(folder.Root);
        await using var ws = await WsClient.ConnectAsync(host.Port);
        // Exactly 64 KiB is still a (wrong) command and gets an error reply.
        await ws.SendAsync("x" + new string(' ', 64 * 1024 - 1));
        await Assert.That((await ws.ReceiveAsync()).ErrorMsg()).StartsWith("unknown command 'x'");
        await ws.SendAsync(new string('y', 64 * 1024 + 1));
        var closed = await Assert.ThrowsAsync<WebSocketClosedException>(() => ws.ReceiveTextAsync());
        await Assert.That(closed!.Status).IsEqualTo(WebSocketCloseStatus.MessageTooBig);
        // The agent keeps serving everyone else.
        await using var other = await WsClient.ConnectAsync(host.Port);
        await Assert.That((await other.AskAsync("server info")).ErrorOrNull()).IsNull();
    }

    [Test]
    public async Task A_binary_frame_gets_an_error_and_the_connection_stays_usable()
    {
        using var folder = new TempServerFolder();
        await using var host = await AgentHost.StartAsync(folder.Root);
        await using var ws = await WsClient.ConnectAsync(host.Port);
        await ws.Socket.SendAsync(new byte[] { 1, 2, 3, 0xFF }, WebSocketMessageType.Binary, true, CancellationToken.None);
        await Assert.That((await ws.ReceiveAsync()).ErrorMsg()).StartsWith("binary frames are not understood");
        await Assert.That((await ws.AskAsync("server info")).ErrorOrNull()).IsNull();
        await ws.Socket.SendAsync(new byte[] { 0xC3, 0x28 }, WebSocketMessageType.Text, true, CancellationToken.None);
        // Invalid UTF-8 in a text frame is a protocol error: the WebSocket layer closes with 1007.
        var closed = await Assert.ThrowsAsync<WebSocketClosedException>(() => ws.ReceiveTextAsync());
        await Assert.That(closed!.Status).IsEqualTo(WebSocketCloseStatus.InvalidPayloadData);
    }

    [Test]
    public async Task The_connection_limit_answers_503()
    {
        using var folder = new TempServerFolder();
        await using var host = await AgentHost.StartAsync(folder.Root, maxClients: 2);
        await using var a = await WsClient.ConnectAsync(host.Port);
        await using var b = await WsClient.ConnectAsync(host.Port);
        using var c = new ClientWebSocket();
        c.Options.CollectHttpResponseDetails = true;
        await Assert.ThrowsAsync<WebSocketException>(() => c.ConnectAsync(new Uri($"ws://127.0.0.1:{host.Port}/"), CancellationToken.None));
        await Assert.That(c.HttpStatusCode).IsEqualTo(HttpStatusCode.ServiceUnavailable);
        await a.DisposeAsync();
        // A freed place can be taken again.
        for (int i = 0; ; i++)
        {
            try { await using var d = await WsClient.ConnectAsync(host.Port); break; }
            catch (WebSocketException) when (i < 50) { await Task.Delay(20); }
        }
    }

    [Test]
    public async Task A_hundred_concurrent_clients_each_get_their_own_replies_in_order()
    {
        using var folder = new TempServerFolder();
        await using var host = await AgentHost.StartAsync(folder.Root, maxClients: 128);
        var clients = await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => WsClient.ConnectAsync(host.Port)));
        try
        {
            await Task.WhenAll(clients.Select(async (ws, i) =>
            {
                for (int round = 0; round < 3; round++)
                {
                    string word = $"probe{i}x{round}";
                    await ws.SendAsync(word);
                    await ws.SendAsync(i % 2 == 0 ? "server sessions" : "server entries");
                    var first = await ws.ReceiveAsync();
                    var second = await ws.ReceiveAsync();
                    if (!first.ErrorMsg().Contains($"'{word}'")) throw new Exception($"client {i} got someone else's reply: {first}");
                    string key = i % 2 == 0 ? "sessions" : "entries";
                    if (!second.Data().TryGetProperty(key, out _)) throw new Exception($"client {i} expected {key}, got {second}");
                }
            }));
        }
        finally
        {
            foreach (var c in clients) await c.DisposeAsync();
        }
        static int Probes(string log) => log.Split('\n').Count(l => l.Contains("> probe"));
        await Assert.That(Probes(await host.LogWhenAsync(l => Probes(l) >= 300))).IsEqualTo(300);
    }

    [Test]
    public async Task A_client_that_never_reads_does_not_block_the_others()
    {
        using var folder = new TempServerFolder();
        await using var host = await AgentHost.StartAsync(folder.Root);
        await using var lazy = await WsClient.ConnectAsync(host.Port);
        // The lazy client sends many commands and never reads a reply.
        var big = Encoding.UTF8.GetBytes("server entries");
        _ = Task.Run(async () =>
        {
            try { for (int i = 0; i < 5000; i++) await lazy.Socket.SendAsync(big, WebSocketMessageType.Text, true, CancellationToken.None); }
            catch (Exception) { /* dropped by the agent, as it should be */ }
        });
        await using var busy = await WsClient.ConnectAsync(host.Port);
        for (int i = 0; i < 20; i++)
            await Assert.That((await busy.AskAsync("server info")).ErrorOrNull()).IsNull();
    }
}
