using System.Text;
using AcWs.Runtime;
using AcWs.Tests.Support;

namespace AcWs.Tests;

/// <summary>
/// acws answers read-only commands on the socket engine's thread (inline socket completions, set at start-up) and
/// runs everything that can block on the worker pool: acws as a real child process, with one socket engine thread.
/// </summary>
public class InlineDispatchTests
{
    const string BigRace = "results/2030_1_1_10_0_RACE.json";

    /// <summary>The demo race, its Laps array repeated until the file is about 15 MB (results files may be 16 MB).</summary>
    static void WriteBigRace(TempServerFolder f)
    {
        var race = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(f.PathOf("results/2019_2_15_21_16_RACE.json")))!;
        var laps = race["Laps"]!.AsArray();
        var lap = laps[0]!.ToJsonString();
        var text = new StringBuilder(race.ToJsonString());
        var more = new StringBuilder();
        while (text.Length + more.Length < 15_000_000) more.Append(',').Append(lap);
        int at = text.ToString().IndexOf("\"Laps\":[", StringComparison.Ordinal) + "\"Laps\":[".Length;
        text.Insert(at, more.ToString()[1..] + ",");
        File.WriteAllText(f.PathOf(BigRace), text.ToString());
    }

    [Test]
    public async Task A_slow_command_does_not_delay_another_clients_server_status()
    {
        using var f = TempServerFolder.Demo();
        WriteBigRace(f);
        // One socket engine thread for every connection: if the slow command ran on it, status would wait.
        await using var agent = await AgentProcess.StartAsync(["--dir", f.Root, "--port", "0"],
            new Dictionary<string, string> { ["DOTNET_SYSTEM_NET_SOCKETS_THREAD_COUNT"] = "1" });
        await using var slow = await WsClient.ConnectAsync(agent.Port);
        await using var other = await WsClient.ConnectAsync(agent.Port);
        await other.AskAsync("server status");

        const int Queued = 5;
        for (int i = 0; i < Queued; i++) await slow.SendAsync("grid finish");
        var slowReplies = Task.Run(async () =>
        {
            var replies = new List<string>();
            for (int i = 0; i < Queued; i++) {
                var reply = await slow.ReceiveUntilAsync(m => !WsClient.IsPush(m), TimeSpan.FromSeconds(120));
                replies.Add(reply.IsError() ? reply.ErrorMsg() : reply.Data().Str("msg"));
            }
            return replies;
        });
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!agent.StdOut.Contains("> grid finish") && DateTime.UtcNow < deadline) await Task.Delay(5);

        var status = await other.AskAsync("server status");
        bool slowDoneFirst = slowReplies.IsCompleted;

        await Assert.That(status.Data().GetProperty("server").GetProperty("running").GetBoolean()).IsFalse();
        await Assert.That(slowDoneFirst).IsFalse();
        var done = await slowReplies;
        await Assert.That(done).Count().IsEqualTo(Queued);
        await Assert.That(string.Join("\n", done.Distinct())).IsEqualTo($"{BigRace} parse SUCCESS");
    }

    [Test]
    public async Task Inline_socket_completions_are_on_unless_set_otherwise()
    {
        if (Environment.ProcessorCount < 2) return; // one engine thread either way: nothing to tell apart
        using var f = TempServerFolder.Demo();
        await using var on = await AgentProcess.StartAsync(["--dir", f.Root, "--port", "0"]);
        await using var off = await AgentProcess.StartAsync(["--dir", f.Root, "--port", "0"],
            new Dictionary<string, string> { [SocketSettings.InlineCompletions] = "0" });
        foreach (var agent in new[] { on, off })
        {
            await using var ws = await WsClient.ConnectAsync(agent.Port);
            await ws.AskAsync("server status");
        }
        // .NET starts one epoll thread per CPU with inline completions, one for up to 30 CPUs without.
        await Assert.That(SocketThreads(on.Process.Id)).IsEqualTo(Environment.ProcessorCount);
        await Assert.That(SocketThreads(off.Process.Id)).IsEqualTo(1);
    }

    static int SocketThreads(int pid) =>
        Directory.GetDirectories($"/proc/{pid}/task").Count(t => File.ReadAllText(Path.Combine(t, "comm")).Trim() == ".NET Sockets");
}
