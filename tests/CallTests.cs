using System.Text.Json;
using AcWs.Remote;
using AcWs.Tests.Support;

namespace AcWs.Tests;

/// <summary><c>acws call</c> as a real child process against a real agent on 127.0.0.1.</summary>
public class CallTests
{
    static readonly TimeSpan Slow = TimeSpan.FromSeconds(90);

    /// <summary>Runs <c>acws call ARGS</c> to the end; ACWS_URL points at <paramref name="port"/> unless <paramref name="env"/> says otherwise.</summary>
    static async Task<AgentProcess> Call(int port, string[] args, Dictionary<string, string>? env = null)
    {
        var all = new Dictionary<string, string> { ["ACWS_URL"] = $"ws://127.0.0.1:{port}/" };
        foreach (var (k, v) in env ?? []) all[k] = v;
        var call = AgentProcess.Launch(["call", .. args], all);
        await call.WaitForExitAsync(Slow);
        return call;
    }

    static JsonElement[] Lines(AgentProcess call) =>
        [.. call.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone())];

    [Test]
    public async Task Each_reply_is_one_line_of_json_and_all_data_exits_0()
    {
        using var folder = new TempServerFolder();
        await using var host = await AgentHost.StartAsync(folder.Root);
        // --url wins over ACWS_URL, which here leads nowhere.
        var call = await Call(StandInFolder.FreePort(), ["--url", $"ws://127.0.0.1:{host.Port}/", "server status", "  Server   Sessions "]);
        await Assert.That(call.Process.ExitCode).IsEqualTo(0);
        var lines = Lines(call);
        await Assert.That(lines.Length).IsEqualTo(2);
        await Assert.That(lines[0].Data().GetProperty("server").GetProperty("running").GetBoolean()).IsFalse();
        await Assert.That(lines[1].Data().GetProperty("sessions").EnumerateObject().Count()).IsGreaterThan(0);
        await Assert.That(call.StdErr).IsEmpty();

        var pretty = await Call(host.Port, ["--pretty", "server status"]);
        await Assert.That(pretty.Process.ExitCode).IsEqualTo(0);
        await Assert.That(pretty.StdOut).StartsWith("{\n  \"data\": {\n    \"server\": {");
    }

    [Test]
    public async Task The_first_error_reply_stops_the_call_with_exit_1()
    {
        using var folder = new TempServerFolder();
        await using var host = await AgentHost.StartAsync(folder.Root);
        var call = await Call(host.Port, ["server status", "grid frobnicate", "server session race laps 7"]);
        await Assert.That(call.Process.ExitCode).IsEqualTo(1);
        var lines = Lines(call);
        await Assert.That(lines.Length).IsEqualTo(2);
        await Assert.That(lines[1].ErrorMsg()).Contains("grid frobnicate");
        await Assert.That(call.StdErr).StartsWith("acws call: 'grid frobnicate' failed: ");
        // The command after the error was never sent: nothing is pending.
        await using var ws = await WsClient.ConnectAsync(host.Port);
        await Assert.That((await ws.AskAsync("server configuration show")).Data().Str("diff")).IsEqualTo("");
    }

    [Test]
    public async Task A_missing_or_wrong_token_exits_3_and_the_right_one_from_a_file_or_the_environment_works()
    {
        using var folder = new TempServerFolder();
        await using var host = await AgentHost.StartAsync(folder.Root, token: "s3cret");
        var none = await Call(host.Port, ["server status"]);
        await Assert.That(none.Process.ExitCode).IsEqualTo(3);
        await Assert.That(none.StdErr).IsEqualTo($"acws call: acws at ws://127.0.0.1:{host.Port}/ needs a token (HTTP 401): set ACWS_TOKEN or pass --token-file PATH");
        var wrong = await Call(host.Port, ["server status"], new() { ["ACWS_TOKEN"] = "guess" });
        await Assert.That(wrong.Process.ExitCode).IsEqualTo(3);
        await Assert.That(wrong.StdErr).IsEqualTo($"acws call: acws at ws://127.0.0.1:{host.Port}/ refused the token (HTTP 401)");
        await Assert.That(wrong.StdOut).IsEmpty();

        await Assert.That((await Call(host.Port, ["server status"], new() { ["ACWS_TOKEN"] = "s3cret" })).Process.ExitCode).IsEqualTo(0);
        File.WriteAllText(folder.PathOf("token"), "s3cret\n");
        // The flag replaces the environment's (wrong) token.
        var fromFile = await Call(host.Port, ["--token-file", folder.PathOf("token"), "server status"], new() { ["ACWS_TOKEN"] = "guess" });
        await Assert.That(fromFile.Process.ExitCode).IsEqualTo(0);
        await Assert.That(Lines(fromFile).Length).IsEqualTo(1);
    }

    [Test]
    public async Task Nobody_listening_exits_3()
    {
        int port = StandInFolder.FreePort();
        var call = await Call(port, ["server status"]);
        await Assert.That(call.Process.ExitCode).IsEqualTo(3);
        await Assert.That(call.StdErr).IsEqualTo(
            $"acws call: cannot connect to ws://127.0.0.1:{port}/: connection refused (is acws running there? set --url or ACWS_URL)");
    }

    [Test]
    [Arguments("", "no COMMAND given")]
    [Arguments("--bogus|server status", "unknown option '--bogus'")]
    [Arguments("--url|http://127.0.0.1:1/|server status", "--url must be a ws:// or wss:// address")]
    [Arguments("--timeout|0|server status", "--timeout must be a number of seconds")]
    [Arguments("--wait-event|servr|server start", "--wait-event must be one of server, driver, session, lobby, tracker, grid, configuration, got 'servr'")]
    [Arguments("--token|x|server status", "acws call takes no --token")]
    [Arguments("--token-file|/nonexistent/token|server status", "--token-file /nonexistent/token does not exist")]
    [Arguments("server status|", "a COMMAND must not be empty")]
    public async Task Bad_usage_exits_2_with_a_reason_and_the_usage(string args, string reason)
    {
        var call = await Call(StandInFolder.FreePort(), args.Length == 0 ? [] : args.Split('|'));
        await Assert.That(call.Process.ExitCode).IsEqualTo(2);
        await Assert.That(call.StdErr).Contains("acws call: " + reason);
        await Assert.That(call.StdErr).Contains("usage: acws call");
    }

    [Test]
    public async Task The_default_address_is_the_local_agent_or_ACWS_URL()
    {
        await Assert.That(CallOptions.Parse(["server info"], _ => null).Url.ToString()).IsEqualTo("ws://127.0.0.1:8765/");
        await Assert.That(CallOptions.Parse(["server info"], n => n == "ACWS_URL" ? "ws://10.0.0.2:9000/" : null).Url.ToString()).IsEqualTo("ws://10.0.0.2:9000/");
    }

    /// <summary>The arguments after <c>acws call</c> in contrib/race-night.service's ExecStart=, split as systemd does.</summary>
    static string[] RaceNightCall()
    {
        string line = File.ReadLines(Path.Combine(Fixtures.RepoRoot(), "contrib", "race-night.service")).Single(l => l.StartsWith("ExecStart="));
        var words = System.Text.RegularExpressions.Regex.Matches(line["ExecStart=".Length..], "\"([^\"]*)\"|(\\S+)")
            .Select(m => m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value).ToArray();
        return words[1] == "call" ? words[2..] : throw new Exception("ExecStart is not 'acws call …': " + line);
    }

    [Test]
    public async Task Race_night_after_start_waits_for_the_servers_start_event()
    {
        using var folder = StandInFolder.WithDemoFiles();
        await using var host = await AgentHost.StartAsync(folder.Root);
        var start = await Call(host.Port, ["server start", "--wait-event", "server"]);
        await Assert.That(start.Process.ExitCode).IsEqualTo(0);
        var started = Lines(start);
        await Assert.That(started.Length).IsEqualTo(2);
        await Assert.That(started[0].Data().Str("msg")).IsEqualTo("Assetto Corsa server started");
        await Assert.That(WsClient.TopicOf(started[1])).IsEqualTo("server");
        await Assert.That(Frames.IsServerEvent(started[1], "Assetto Corsa Dedicated Server starting")).IsTrue();

        // contrib/race-night.service's own ExecStart (plus a 'server status'), with the restart's two replies
        // (stopped, started) read as one command's.
        string[] unitCall = RaceNightCall();
        await Assert.That(unitCall.Take(3)).IsEquivalentTo(["grid reverse 8", "grid save", "server restart"], TUnit.Assertions.Enums.CollectionOrdering.Matching);
        var night = await Call(host.Port, [.. unitCall.Take(3), "server status", .. unitCall.Skip(3)]);
        await Assert.That(night.Process.ExitCode).IsEqualTo(0);
        var lines = Lines(night);
        await Assert.That(lines.Select(l => l.TryGetProperty("data", out var d) && d.TryGetProperty("msg", out var m) ? m.GetString()! : "").Take(4))
            .IsEquivalentTo(["results/2019_2_15_21_16_RACE.json parse SUCCESS", "entry_list.ini file update SUCCESS",
                "Assetto Corsa server stopped", "Assetto Corsa server started"], TUnit.Assertions.Enums.CollectionOrdering.Matching);
        await Assert.That(lines[4].Data().GetProperty("server").GetProperty("running").GetBoolean()).IsTrue();
        await Assert.That(Frames.IsServerEvent(lines[5], "Assetto Corsa Dedicated Server starting")).IsTrue();
        await Assert.That(lines.Length).IsEqualTo(6);
        // Saved: the reversed grid's first place is CAR_0 of the entry list now (the last one kept as .old).
        string pole = lines[0].Data().GetProperty("grid").Str("1");
        await Assert.That(System.Text.RegularExpressions.Regex.Match(File.ReadAllText(folder.Cfg("entry_list.ini")), @"\[CAR_0\][^\[]*?DRIVERNAME=([^\r\n]*)").Groups[1].Value).IsEqualTo(pole);
        await Assert.That(File.Exists(folder.Cfg("entry_list.ini.old"))).IsTrue();

        // No such event comes: exit 4, after the replies were printed.
        // The timeout covers connecting too: 5 s, not 1, so a loaded machine still gets to the wait.
        var quiet = await Call(host.Port, ["server status", "--wait-event", "tracker", "--timeout", "5"]);
        await Assert.That(quiet.StdErr).IsEqualTo("acws call: timed out after 5 s waiting for a 'tracker' event");
        await Assert.That(quiet.Process.ExitCode).IsEqualTo(4);
        await Assert.That(Lines(quiet).Length).IsEqualTo(1);
        await Call(host.Port, ["server stop"]);
    }
}
