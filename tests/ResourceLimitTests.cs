using System.Net;
using System.Net.Sockets;
using System.Text;
using AcWs.Tests.Support;

namespace AcWs.Tests;

/// <summary>acws as a real child process under hostile load: its descriptors and memory stay bounded.</summary>
public class ResourceLimitTests
{
    [Test]
    public async Task Malformed_upgrades_are_answered_and_closed_and_a_real_client_is_served_throughout()
    {
        using var folder = new TempServerFolder();
        await using var agent = await AgentProcess.StartAsync(["--dir", folder.Root, "--port", "0"]);
        await using var ws = await WsClient.ConnectAsync(agent.Port);
        await ws.AskAsync("server status");
        int baseline = agent.OpenDescriptors;

        string upgrade = $"GET / HTTP/1.1\r\nHost: 127.0.0.1:{agent.Port}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n";
        (string Request, string Status)[] kinds =
        [
            (upgrade + "Sec-WebSocket-Version: 13\r\n\r\n", "HTTP/1.1 400"),
            (upgrade + "Sec-WebSocket-Version: 8\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n", "HTTP/1.1 426"),
            (upgrade + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: x\r\n\r\n", "HTTP/1.1 400"),
        ];
        const int Total = 30_000;
        int next = -1, served = 0;
        var wrong = new List<string>();
        using var done = new CancellationTokenSource();
        var poller = Task.Run(async () =>
        {
            while (!done.IsCancellationRequested)
            {
                var reply = await ws.AskAsync("server status");
                if (reply.IsError()) throw new Exception("server status failed: " + reply);
                served++;
                await Task.Delay(100);
            }
        });
        await Task.WhenAll(Enumerable.Range(0, 32).Select(_ => Task.Run(async () =>
        {
            for (int i; (i = Interlocked.Increment(ref next)) < Total;)
            {
                var (request, status) = kinds[i % kinds.Length];
                string answer = await ExchangeAsync(agent.Port, request);
                if (!answer.StartsWith(status) || (status.EndsWith("426") && !answer.Contains("Sec-WebSocket-Version: 13")))
                    lock (wrong) wrong.Add(answer);
            }
        })));
        int servedDuring = served;
        done.Cancel();
        await poller;

        await Assert.That(wrong.Count).IsEqualTo(0);
        await Assert.That(servedDuring).IsGreaterThan(0);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (agent.OpenDescriptors > baseline + 5 && DateTime.UtcNow < deadline) await Task.Delay(100);
        await Assert.That(agent.OpenDescriptors).IsLessThanOrEqualTo(baseline + 5);
        await Assert.That((await ws.AskAsync("server status")).ErrorOrNull()).IsNull();
    }

    [Test]
    public async Task Connections_that_never_finish_a_request_header_are_closed_and_websocket_clients_are_not()
    {
        using var folder = new TempServerFolder();
        await using var agent = await AgentProcess.StartAsync(["--dir", folder.Root, "--port", "0"]);
        await using var ws = await WsClient.ConnectAsync(agent.Port);
        int baseline = agent.OpenDescriptors;
        var stalled = new List<Socket>();
        for (int i = 0; i < 40; i++)
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync(IPAddress.Loopback, agent.Port);
            // Half a header, or nothing at all.
            if (i % 2 == 0) await socket.SendAsync(Encoding.ASCII.GetBytes($"GET / HTTP/1.1\r\nHost: 127.0.0.1:{agent.Port}\r\n"));
            stalled.Add(socket);
        }
        // Each is closed by the agent: the read ends (0 bytes, or a reset).
        var ended = await Task.WhenAll(stalled.Select(async socket =>
        {
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            using var _ = socket;
            try { return await socket.ReceiveAsync(new byte[1024], wait.Token) == 0; }
            catch (SocketException) { return true; }
            catch (OperationCanceledException) { return false; }
        }));
        await Assert.That(ended.Count(e => e)).IsEqualTo(40);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (agent.OpenDescriptors > baseline + 5 && DateTime.UtcNow < deadline) await Task.Delay(100);
        await Assert.That(agent.OpenDescriptors).IsLessThanOrEqualTo(baseline + 5);
        // The WebSocket client, idle all that time, is still served.
        await Assert.That((await ws.AskAsync("server status")).ErrorOrNull()).IsNull();
    }

    [Test]
    public async Task A_client_that_does_not_read_big_replies_is_dropped_and_memory_stays_bounded()
    {
        using var folder = new TempServerFolder();
        var ini = Ini.IniDocument.Load(folder.Cfg("server_cfg.ini"), "server_cfg.ini");
        ini.Set("SERVER", "NAME", new string('n', 5_000_000));
        File.WriteAllBytes(folder.Cfg("server_cfg.ini"), ini.ToBytes());
        await using var agent = await AgentProcess.StartAsync(["--dir", folder.Root, "--port", "0"]);
        await using var flooder = await WsClient.ConnectAsync(agent.Port);
        await using var other = await WsClient.ConnectAsync(agent.Port);

        long peak = 0;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                peak = Math.Max(peak, agent.ResidentBytes);
                await Task.Delay(20);
            }
        });
        var command = Encoding.UTF8.GetBytes("server info");
        try
        {
            for (int i = 0; i < 1000; i++)
                await flooder.Socket.SendAsync(command, System.Net.WebSockets.WebSocketMessageType.Text, true, CancellationToken.None);
        }
        catch (Exception e) when (e is System.Net.WebSockets.WebSocketException or IOException) { /* dropped by the agent, as it should be */ }
        string log = "";
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!(log = agent.StdOut).Contains("is not reading its replies (over 8 MiB unsent); dropping it") && DateTime.UtcNow < deadline)
        {
            await Assert.That((await other.AskAsync("server status")).ErrorOrNull()).IsNull();
        }
        sampling.Cancel();
        await sampler;

        await Assert.That(log).Contains("is not reading its replies (over 8 MiB unsent); dropping it");
        await Assert.That((await other.AskAsync("server status")).ErrorOrNull()).IsNull();
        await Assert.That(peak).IsLessThan(200L * 1024 * 1024);
    }

    /// <summary>
    /// The header-deadline sweep finds the connections on acws's port among its own socket descriptors (their
    /// addresses), not in the kernel's machine-wide tables: exactly the accepted connections of that port, never
    /// the listener, a connection on another port, or the client side of a connection to the port.
    /// </summary>
    [Test]
    public async Task The_sweep_lists_exactly_the_connections_accepted_on_its_port_from_its_own_sockets()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        using var other = new TcpListener(IPAddress.Loopback, 0);
        other.Start();
        using var a = new TcpClient();
        using var b = new TcpClient();
        using var elsewhere = new TcpClient();
        await a.ConnectAsync(IPAddress.Loopback, port);
        await b.ConnectAsync(IPAddress.Loopback, port);
        await elsewhere.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)other.LocalEndpoint).Port);
        using var acceptedA = await listener.AcceptSocketAsync();
        using var acceptedB = await listener.AcceptSocketAsync();
        using var acceptedElsewhere = await other.AcceptSocketAsync();

        var found = AcWs.Host.StalledConnections.Accepted(port);

        await Assert.That(found).IsNotNull();
        static string V4(EndPoint e) => $"{((IPEndPoint)e).Address.MapToIPv4()}:{((IPEndPoint)e).Port}";
        await Assert.That(found!.Keys.Select(V4).Order().ToArray())
            .IsEquivalentTo(new[] { V4(a.Client.LocalEndPoint!), V4(b.Client.LocalEndPoint!) }.Order().ToArray());
        // Each with the descriptor of the accepted socket, the one a shutdown goes through.
        await Assert.That(found.Values.Order().ToArray())
            .IsEquivalentTo(new[] { (int)acceptedA.Handle, (int)acceptedB.Handle }.Order().ToArray());
    }

    /// <summary>Sends a raw request and reads until the agent closes the connection.</summary>
    static async Task<string> ExchangeAsync(int port, string request)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        using var timeout = new CancellationTokenSource(WsClient.Timeout);
        await socket.ConnectAsync(IPAddress.Loopback, port, timeout.Token);
        await socket.SendAsync(Encoding.ASCII.GetBytes(request), timeout.Token);
        var buffer = new byte[4096];
        int length = 0;
        try
        {
            for (int n; (n = await socket.ReceiveAsync(buffer.AsMemory(length), timeout.Token)) > 0;) length += n;
        }
        catch (OperationCanceledException) { return "never closed: " + Encoding.ASCII.GetString(buffer, 0, length); }
        return Encoding.ASCII.GetString(buffer, 0, length);
    }
}
