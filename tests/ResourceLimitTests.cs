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
        await Assert.That((await ws.AskAsync("server status")).IsError()).IsFalse();
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
