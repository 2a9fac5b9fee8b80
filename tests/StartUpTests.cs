using AcWs.Tests.Support;

namespace AcWs.Tests;

/// <summary>What a started acws has ready before its first client (Host/WarmUp.cs).</summary>
public class StartUpTests
{
    /// <summary>
    /// HttpListener hashes the WebSocket key with SHA-1 through OpenSSL; loading it took most of the first
    /// upgrade's time. A started acws loads it on its own, so the first client does not wait for it.
    /// </summary>
    [Test]
    public async Task A_started_agent_loads_openssl_before_any_client_connects_and_then_answers_at_once()
    {
        using var folder = new TempServerFolder();
        await using var agent = await AgentProcess.StartAsync(["--dir", folder.Root, "--port", "0"]);
        string maps = $"/proc/{agent.Process.Id}/maps";
        var giveUp = DateTime.UtcNow.AddSeconds(30);
        while (!File.ReadAllText(maps).Contains("libcrypto") && DateTime.UtcNow < giveUp) await Task.Delay(20);

        await Assert.That(File.ReadAllText(maps)).Contains("libcrypto");
        await using var ws = await WsClient.ConnectAsync(agent.Port);
        await Assert.That((await ws.AskAsync("server status")).ErrorOrNull()).IsNull();
    }
}
