using System.Diagnostics;
using System.Text.Json;
using AcWs.Ini;
using AcWs.Live;
using AcWs.Tests.Support;

namespace AcWs.Tests;

/// <summary>
/// The lobby end to end: the real agent and WebSocket clients, a stand-in lobby (a real HTTP listener on
/// 127.0.0.1) and, for the acServer side, the stand-in acServer as a real process. The real lobby is never called.
/// </summary>
public class LobbyTests
{
    static readonly TimeSpan Slow = TimeSpan.FromSeconds(20);

    static IniDocument Samuelorenzo() => IniDocument.Load(Fixtures.Real("cfg/samuelorenzo_server_cfg.ini"), "server_cfg.ini");

    static string CallingLine(string log, string contains) =>
        File.ReadLines(log).Single(l => l.StartsWith("CALLING ") && l.Contains(contains))["CALLING ".Length..];

    static bool IsLobbyEvent(JsonElement f, string msg) =>
        f.TryGetProperty("data", out var d) && d.TryGetProperty("lobby", out var l) && l.TryGetProperty("event", out var e)
        && e.Str("msg") == msg;

    // --- the register address, against the real CALLING lines ---

    [Test]
    public async Task The_built_address_is_byte_for_byte_the_real_v1_15_line_for_the_same_settings()
    {
        // The Kunos default server_cfg.ini with what the Mumin server's own line shows changed.
        var ini = Samuelorenzo();
        ini.Set("SERVER", "NAME", "Mumin_server");
        ini.Set("SERVER", "CARS", "abarth500;abarth500_s1;bmw_m3_e30;suzuki_cappuccino;suzuki_cappuccino_roof;wdts_toyota_ae86");
        ini.Set("SERVER", "LEGAL_TYRES", "");
        ini.Set("PRACTICE", "TIME", "600");
        string real = CallingLine(Fixtures.Real("logs/pawikoski_v1.15_output20220419_215454.log"), "Mumin_server");
        await Assert.That(LobbyUrl.Register(Options.DefaultLobbyUrl, ini, null)).IsEqualTo(real);
    }

    [Test]
    public async Task Names_with_spaces_and_hash_a_password_and_assists_encode_as_acserver_does()
    {
        var ini = Samuelorenzo();
        ini.Set("SERVER", "NAME", "SNRL AC #1");
        ini.Set("SERVER", "UDP_PORT", "9601");
        ini.Set("SERVER", "TCP_PORT", "9601");
        ini.Set("SERVER", "MAX_CLIENTS", "12");
        ini.Set("SERVER", "TRACK", "rt_autodrom_most");
        ini.Set("SERVER", "CARS", "ks_mazda_mx5_cup");
        ini.Set("SERVER", "SUN_ANGLE", "-16");
        ini.Set("SERVER", "PASSWORD", "secret");
        ini.Set("SERVER", "AUTOCLUTCH_ALLOWED", "1");
        ini.Set("SERVER", "LEGAL_TYRES", "");
        ini.Set("PRACTICE", "TIME", "120");
        ini.Set("RACE", "LAPS", "8");
        string real = CallingLine(Fixtures.Original("acserver_lobby_excerpt.log"), "SNRL");
        await Assert.That(LobbyUrl.Register(Options.DefaultLobbyUrl, ini, null)).IsEqualTo(real);
    }

    [Test]
    public async Task Layout_timed_race_pit_window_extra_lap_inverted_grid_and_fixed_setup_are_sent()
    {
        var ini = Samuelorenzo();
        ini.Set("SERVER", "TRACK", "doningtonpark");
        ini.Set("SERVER", "CONFIG_TRACK", "gp");
        ini.Set("SERVER", "CARS", "a;b c");
        ini.Set("SERVER", "LEGAL_TYRES", "H;M;S");
        ini.Set("SERVER", "RACE_PIT_WINDOW_START", "2");
        ini.Set("SERVER", "RACE_PIT_WINDOW_END", "6");
        ini.Set("SERVER", "RACE_EXTRA_LAP", "1");
        ini.Set("SERVER", "REVERSED_GRID_RACE_POSITIONS", "8");
        ini.Remove("RACE", "LAPS");
        ini.Set("RACE", "TIME", "30");
        ini.RemoveSection("PRACTICE");
        var entries = IniDocument.Load(Fixtures.Real("cfg/justapenguin-pr491_entry_list.ini"), "entry_list.ini");
        string url = LobbyUrl.Register("http://127.0.0.1:1/lobby.ashx/", ini, entries);
        await Assert.That(url).StartsWith("http://127.0.0.1:1/lobby.ashx/register?name=AC_Server&");
        await Assert.That(url).Contains("&track=doningtonpark-gp&cars=a%2Cb+c&");
        await Assert.That(url).Contains("&sessions=2,3&durations=600,1800&");
        await Assert.That(url).EndsWith("&legal_tyres=H%3BM%3BS&fixed_setup=" + (entries.Sections().Any(s => entries.Get(s, "FIXED_SETUP") is { Length: > 0 }) ? "1" : "0")
            + "&timed=1&extra=1&pit=1&inverted=8");
    }

    // --- lobby info ---

    [Test]
    public async Task Info_answers_while_acserver_is_stopped_with_since_and_timestamp_written_as_null()
    {
        using var folder = new TempServerFolder();
        await using var host = await AgentHost.StartAsync(new Options { Dir = folder.Root, Port = 0, LobbyAuto = false });
        await using var ws = await WsClient.ConnectAsync(host.Port);
        var text = await AskTextAsync(ws, "lobby info");
        await Assert.That(text).IsEqualTo("""{"data":{"lobby":{"connected":false,"since":null,"timestamp":null,"url_register":null,"url_ping":null,"last_msg":null,"auto":false}}}""");
    }

    static async Task<string> AskTextAsync(WsClient ws, string command)
    {
        await ws.SendAsync(command);
        return await ws.ReceiveTextAsync();
    }

    // --- lobby restart against the stand-in lobby ---

    [Test]
    public async Task Restart_sends_the_address_built_from_server_cfg_and_reports_success_to_everyone()
    {
        using var folder = new TempServerFolder();
        await using var lobby = new StandInLobby();
        await using var host = await AgentHost.StartAsync(new Options { Dir = folder.Root, Port = 0, LobbyUrl = lobby.BaseUrl });
        await using var ws = await WsClient.ConnectAsync(host.Port);
        await using var other = await WsClient.ConnectAsync(host.Port);

        var r = await ws.AskAsync("lobby restart");
        await Assert.That(r.Data().Str("msg")).IsEqualTo("lobby registration SUCCESS");
        var state = r.Data().GetProperty("lobby");
        await Assert.That(state.GetProperty("connected").GetBoolean()).IsTrue();
        await Assert.That(state.Str("last_msg")).IsEqualTo("OK,0,8081");
        await Assert.That(DateTime.Parse(state.Str("since")).ToUniversalTime()).IsGreaterThan(DateTime.UtcNow.AddMinutes(-1));
        await Assert.That(lobby.Requests).Count().IsEqualTo(1);
        await Assert.That(lobby.Requests[0]).IsEqualTo("/lobby.ashx/register?name=AC_Server&port=9600&tcp_port=9600&max_clients=18"
            + "&track=magione&cars=bmw_m3_e30&timeofday=48&sessions=1,2,3&durations=600,600,5&password=0&version=202&pickup=1"
            + "&autoclutch=0&abs=1&tc=1&stability=0&legal_tyres=SV&fixed_setup=0&timed=0&extra=0&pit=0&inverted=0");
        await Assert.That(state.Str("url_register")).IsEqualTo(lobby.BaseUrl + lobby.Requests[0]["/lobby.ashx".Length..]);
        await other.ReceiveUntilAsync(f => IsLobbyEvent(f, "lobby registration SUCCESS"), Slow);
        var info = (await other.AskAsync("lobby info")).Data().GetProperty("lobby");
        await Assert.That(info.GetProperty("connected").GetBoolean()).IsTrue();
        await Assert.That(info.GetProperty("auto").GetBoolean()).IsTrue();
    }

    [Test]
    [Arguments("ERROR,INVALID SERVER,CHECK YOUR PORT FORWARDING SETTINGS")]
    [Arguments("ERROR,SERVER NOT REGISTERED WITH LOBBY - PLEASE RESTART")]
    [Arguments("ERROR,SERVER ALREADY REGISTERED")]
    public async Task Each_lobby_error_answer_is_a_failure_quoting_it(string answer)
    {
        using var folder = new TempServerFolder();
        await using var lobby = new StandInLobby { Body = answer };
        await using var host = await AgentHost.StartAsync(new Options { Dir = folder.Root, Port = 0, LobbyUrl = lobby.BaseUrl });
        await using var ws = await WsClient.ConnectAsync(host.Port);
        var r = await ws.AskAsync("lobby restart");
        // Word for word: the original's client matches the lobby's exact text.
        await Assert.That(r.ErrorMsg()).IsEqualTo(answer);
        var info = (await ws.AskAsync("lobby info")).Data().GetProperty("lobby");
        await Assert.That(info.GetProperty("connected").GetBoolean()).IsFalse();
        await Assert.That(info.Str("last_msg")).IsEqualTo(answer);
        await Assert.That(lobby.Requests).Count().IsEqualTo(1);
    }

    [Test]
    public async Task An_http_500_is_a_failure_with_its_status()
    {
        using var folder = new TempServerFolder();
        await using var lobby = new StandInLobby { Status = 500, Body = "Server Error in '/' Application." };
        await using var host = await AgentHost.StartAsync(new Options { Dir = folder.Root, Port = 0, LobbyUrl = lobby.BaseUrl });
        await using var ws = await WsClient.ConnectAsync(host.Port);
        var r = await ws.AskAsync("lobby restart");
        await Assert.That(r.ErrorMsg()).IsEqualTo("lobby registration FAILED: HTTP 500 Internal Server Error: Server Error in '/' Application.");
    }

    [Test]
    public async Task A_refused_connection_is_a_failure_naming_the_address()
    {
        using var folder = new TempServerFolder();
        int nobody = StandInFolder.FreePort();
        await using var host = await AgentHost.StartAsync(new Options { Dir = folder.Root, Port = 0, LobbyUrl = $"http://127.0.0.1:{nobody}/lobby.ashx" });
        await using var ws = await WsClient.ConnectAsync(host.Port);
        var r = await ws.AskAsync("lobby restart");
        await Assert.That(r.ErrorMsg()).StartsWith($"lobby registration FAILED: cannot reach 127.0.0.1:{nobody}: ");
    }

    [Test]
    public async Task A_lobby_that_hangs_times_out_without_blocking_other_clients()
    {
        using var folder = new TempServerFolder();
        await using var lobby = new StandInLobby { Hang = true };
        var timings = new Timings { LobbyTimeout = TimeSpan.FromSeconds(5) };
        await using var host = await AgentHost.StartAsync(new Options { Dir = folder.Root, Port = 0, LobbyUrl = lobby.BaseUrl, Timings = timings });
        await using var ws = await WsClient.ConnectAsync(host.Port);
        await using var other = await WsClient.ConnectAsync(host.Port);

        var watch = Stopwatch.StartNew();
        await ws.SendAsync("lobby restart");
        await lobby.WaitForRequestAsync(1);
        var reply = ws.ReceiveUntilAsync(f => !WsClient.IsPush(f), Slow);
        // While the first client still waits for the lobby, the second one is answered.
        var info = await other.AskAsync("lobby info");
        await Assert.That(info.Data().GetProperty("lobby").GetProperty("connected").GetBoolean()).IsFalse();
        await Assert.That((await other.AskAsync("server status")).ErrorOrNull()).IsNull();
        await Assert.That(reply.IsCompleted).IsFalse();

        var r = await reply;
        await Assert.That(r.ErrorMsg()).IsEqualTo($"lobby registration FAILED: no answer from 127.0.0.1:{lobby.Port} within 5 s");
        await Assert.That(watch.Elapsed).IsGreaterThanOrEqualTo(TimeSpan.FromSeconds(4.9));
    }

    [Test]
    public async Task Register_to_lobby_0_is_refused_without_calling_anyone()
    {
        using var folder = new TempServerFolder("sezynex_preset_GTA4_server_cfg.ini");
        await using var lobby = new StandInLobby();
        await using var host = await AgentHost.StartAsync(new Options { Dir = folder.Root, Port = 0, LobbyUrl = lobby.BaseUrl });
        await using var ws = await WsClient.ConnectAsync(host.Port);
        var r = await ws.AskAsync("lobby restart");
        await Assert.That(r.ErrorMsg()).IsEqualTo("REGISTER_TO_LOBBY=0 in cfg/server_cfg.ini: this server does not register with the lobby (set REGISTER_TO_LOBBY=1 and restart the server)");
        await Assert.That(lobby.Requests).IsEmpty();
    }

    // --- with acServer (the stand-in) registering itself ---

    /// <summary>A stand-in acServer that registers with <paramref name="lobby"/> at start, printing acServer's lines.</summary>
    static StandInFolder RegisteringFolder(StandInLobby lobby)
    {
        var folder = new StandInFolder(withExecutable: false);
        folder.WriteScript("acServer", $"ACWS_STANDIN_LOBBY_URL={lobby.BaseUrl} exec dotnet \"{AgentProcess.AgentDll}\" --stand-in-acserver \"$@\"");
        return folder;
    }

    [Test]
    public async Task Restart_reuses_the_exact_address_acserver_printed_after_calling()
    {
        await using var lobby = new StandInLobby();
        using var folder = RegisteringFolder(lobby);
        // acws's own base address leads nowhere: only the printed CALLING address can reach the lobby.
        int nobody = StandInFolder.FreePort();
        await using var host = await AgentHost.StartAsync(new Options { Dir = folder.Root, Port = 0, LobbyUrl = $"http://127.0.0.1:{nobody}/lobby.ashx" });
        await using var ws = await WsClient.ConnectAsync(host.Port);
        await Assert.That((await ws.AskAsync("server start")).ErrorOrNull()).IsNull();
        await ws.ReceiveUntilAsync(f => IsLobbyEvent(f, "connected to lobby"), Slow);

        string called = await lobby.WaitForRequestAsync(1);
        string printed = CallingLine(folder.Logs().Single(), "/register?");
        await Assert.That(printed).IsEqualTo(lobby.BaseUrl + called["/lobby.ashx".Length..]);
        await Assert.That(called).Contains($"&port={folder.TcpPort}&tcp_port={folder.TcpPort}&");
        var info = (await ws.AskAsync("lobby info")).Data().GetProperty("lobby");
        await Assert.That(info.GetProperty("connected").GetBoolean()).IsTrue();
        await Assert.That(info.Str("url_register")).IsEqualTo(printed);
        await Assert.That(info.Str("last_msg")).IsEqualTo("OK,0,8081");

        lobby.Body = "OK,1,8081";
        var r = await ws.AskAsync("lobby restart");
        await Assert.That(r.Data().Str("msg")).IsEqualTo("lobby registration SUCCESS");
        await Assert.That(lobby.Requests).Count().IsEqualTo(2);
        await Assert.That(lobby.Requests[1]).IsEqualTo(called);
        await Assert.That(r.Data().GetProperty("lobby").Str("last_msg")).IsEqualTo("OK,1,8081");
        await ws.AskAsync("server stop");
        // Still answered once acServer is gone.
        await Assert.That((await ws.AskAsync("lobby info")).Data().GetProperty("lobby").Str("url_register")).IsEqualTo(printed);
    }

    [Test]
    public async Task A_lost_registration_is_renewed_automatically_and_everyone_hears()
    {
        await using var lobby = new StandInLobby();
        using var folder = RegisteringFolder(lobby);
        await using var host = await AgentHost.StartAsync(new Options { Dir = folder.Root, Port = 0 });
        await using var ws = await WsClient.ConnectAsync(host.Port);
        await using var other = await WsClient.ConnectAsync(host.Port);
        await Assert.That((await ws.AskAsync("server start")).ErrorOrNull()).IsNull();
        string called = await lobby.WaitForRequestAsync(1);

        folder.Cue("lobby-error");
        foreach (var c in new[] { ws, other })
        {
            var lost = await c.ReceiveUntilAsync(f => IsLobbyEvent(f, "ERROR,SERVER NOT REGISTERED WITH LOBBY - PLEASE RESTART"), Slow);
            await Assert.That(lost.Data().GetProperty("lobby").GetProperty("event").GetProperty("connected").GetBoolean()).IsFalse();
            var back = await c.ReceiveUntilAsync(f => IsLobbyEvent(f, "lobby registration SUCCESS (automatic)"), Slow);
            await Assert.That(back.Data().GetProperty("lobby").GetProperty("event").GetProperty("connected").GetBoolean()).IsTrue();
        }
        // Two error lines, one re-registration, to the address acServer printed.
        await Task.Delay(500);
        await Assert.That(lobby.Requests).IsEquivalentTo(new[] { called, called });
        await Assert.That((await ws.AskAsync("lobby info")).Data().GetProperty("lobby").GetProperty("connected").GetBoolean()).IsTrue();
    }

    [Test]
    public async Task Automatic_re_registration_gives_up_after_three_tries_and_says_why()
    {
        await using var lobby = new StandInLobby();
        using var folder = RegisteringFolder(lobby);
        await using var host = await AgentHost.StartAsync(new Options { Dir = folder.Root, Port = 0, Timings = new() { LobbyRetryDelay = TimeSpan.FromMilliseconds(200) } });
        await using var ws = await WsClient.ConnectAsync(host.Port);
        await Assert.That((await ws.AskAsync("server start")).ErrorOrNull()).IsNull();
        await lobby.WaitForRequestAsync(1);

        lobby.Body = "ERROR,INVALID SERVER,CHECK YOUR PORT FORWARDING SETTINGS";
        var watch = Stopwatch.StartNew();
        folder.Cue("lobby-error");
        var failed = await ws.ReceiveUntilAsync(f => Frames.IsError(f, "automatic lobby re-registration"), Slow);
        await Assert.That(failed.ErrorMsg()).IsEqualTo("automatic lobby re-registration FAILED after 3 tries: ERROR,INVALID SERVER,CHECK YOUR PORT FORWARDING SETTINGS");
        await Assert.That(lobby.Requests).Count().IsEqualTo(4);
        // Back-off: 200 ms, then 400 ms.
        await Assert.That(watch.Elapsed).IsGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(600));
    }

    [Test]
    public async Task No_lobby_auto_leaves_a_lost_registration_alone()
    {
        await using var lobby = new StandInLobby();
        using var folder = RegisteringFolder(lobby);
        await using var host = await AgentHost.StartAsync(new Options { Dir = folder.Root, Port = 0, LobbyAuto = false });
        await using var ws = await WsClient.ConnectAsync(host.Port);
        await Assert.That((await ws.AskAsync("server start")).ErrorOrNull()).IsNull();
        await lobby.WaitForRequestAsync(1);
        folder.Cue("lobby-error");
        await ws.ReceiveUntilAsync(f => IsLobbyEvent(f, "ERROR - RESTART YOUR SERVER TO REGISTER WITH THE LOBBY"), Slow);
        await Task.Delay(1000);
        await Assert.That(lobby.Requests).Count().IsEqualTo(1);
        var info = (await ws.AskAsync("lobby info")).Data().GetProperty("lobby");
        await Assert.That(info.GetProperty("connected").GetBoolean()).IsFalse();
        await Assert.That(info.GetProperty("auto").GetBoolean()).IsFalse();
        await Assert.That(info.Str("last_msg")).IsEqualTo("ERROR - RESTART YOUR SERVER TO REGISTER WITH THE LOBBY");
    }

    [Test]
    public async Task Lobby_options_come_from_flags_or_the_environment()
    {
        var env = new Dictionary<string, string> { ["ACWS_LOBBY_URL"] = "http://127.0.0.1:9/x" };
        var fromEnv = Options.Parse([], k => env.GetValueOrDefault(k));
        await Assert.That(fromEnv.LobbyUrl).IsEqualTo("http://127.0.0.1:9/x");
        await Assert.That(fromEnv.LobbyAuto).IsTrue();
        var flags = Options.Parse(["--lobby-url", "http://127.0.0.1:8/y/", "--no-lobby-auto"], k => env.GetValueOrDefault(k));
        await Assert.That(flags.LobbyUrl).IsEqualTo("http://127.0.0.1:8/y");
        await Assert.That(flags.LobbyAuto).IsFalse();
        await Assert.That(Options.Parse([], _ => null).LobbyUrl).IsEqualTo("http://93.57.10.21/lobby.ashx");
        await Assert.That(() => Options.Parse(["--lobby-url", "ftp://x"], _ => null)).Throws<UsageException>();
    }
}
