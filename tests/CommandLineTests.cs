using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using AcWs.Tests.Support;

namespace AcWs.Tests;

/// <summary>acws as a real child process: usage, exit codes, signals, shutdown, demo.</summary>
public class CommandLineTests
{
    [Test]
    public async Task Shutdown_now_replies_closes_with_1001_and_exits_0()
    {
        using var folder = new TempServerFolder();
        await using var agent = await AgentProcess.StartAsync(["--dir", folder.Root, "--port", "0"]);
        await using var watcher = await WsClient.ConnectAsync(agent.Port);
        await using var ws = await WsClient.ConnectAsync(agent.Port);
        var reply = await ws.AskAsync("shutdown now");
        await Assert.That(reply.Data().Str("msg")).IsEqualTo("acws shutting down");
        var closed = await Assert.ThrowsAsync<WebSocketClosedException>(() => watcher.ReceiveTextAsync());
        await Assert.That(closed!.Status).IsEqualTo(WebSocketCloseStatus.EndpointUnavailable);
        await Assert.That(await agent.WaitForExitAsync()).IsEqualTo(0);
    }

    [Test]
    [Arguments("TERM")]
    [Arguments("INT")]
    public async Task A_signal_shuts_down_cleanly(string signal)
    {
        using var folder = new TempServerFolder();
        await using var agent = await AgentProcess.StartAsync(["--dir", folder.Root, "--port", "0"]);
        await using var ws = await WsClient.ConnectAsync(agent.Port);
        using (var kill = Process.Start("kill", ["-" + signal, agent.Process.Id.ToString()])) await kill.WaitForExitAsync();
        var closed = await Assert.ThrowsAsync<WebSocketClosedException>(() => ws.ReceiveTextAsync());
        await Assert.That(closed!.Status).IsEqualTo(WebSocketCloseStatus.EndpointUnavailable);
        await Assert.That(await agent.WaitForExitAsync()).IsEqualTo(0);
    }

    [Test]
    [Arguments("--bogus", "unknown option '--bogus'")]
    [Arguments("--port", "--port needs a value")]
    [Arguments("--port 70000", "--port must be a port number 0-65535, got '70000'")]
    [Arguments("--max-clients 0", "--max-clients must be a whole number 1-100000, got '0'")]
    [Arguments("--host 0.0.0.0", "needs a token: set ACWS_TOKEN, or pass --token-file PATH or --token TOKEN")]
    [Arguments("--assettoserver", "--assettoserver goes with --demo")]
    public async Task Bad_usage_exits_2_with_a_reason_and_the_usage(string args, string reason)
    {
        await using var agent = AgentProcess.Launch(args.Split(' '));
        await Assert.That(await agent.WaitForExitAsync()).IsEqualTo(2);
        await Assert.That(agent.StdErr).Contains(reason);
        await Assert.That(agent.StdErr).Contains("usage: acws");
        await Assert.That(agent.StdErr).DoesNotContain("   at ");
    }

    [Test]
    public async Task A_missing_folder_or_config_exits_1_with_a_clear_message()
    {
        await using (var agent = AgentProcess.Launch(["--dir", "/nonexistent/acserver", "--port", "0"]))
        {
            await Assert.That(await agent.WaitForExitAsync()).IsEqualTo(1);
            await Assert.That(agent.StdErr).Contains("the server folder /nonexistent/acserver does not exist");
        }
        using var folder = new TempServerFolder();
        File.Delete(folder.Cfg("server_cfg.ini"));
        await using (var agent = AgentProcess.Launch(["--dir", folder.Root, "--port", "0"]))
        {
            await Assert.That(await agent.WaitForExitAsync()).IsEqualTo(1);
            await Assert.That(agent.StdErr).Contains("cfg/server_cfg.ini not found");
            await Assert.That(agent.StdErr).Contains("(pass --dir with the folder that holds cfg/server_cfg.ini)");
        }
        // The folder is right and the file is there but broken: the hint is about the file, not --dir.
        File.WriteAllText(folder.Cfg("server_cfg.ini"), "[SERVER]\nNAME=x\n[RACE\n");
        await using (var agent = AgentProcess.Launch(["--dir", folder.Root, "--port", "0"]))
        {
            await Assert.That(await agent.WaitForExitAsync()).IsEqualTo(1);
            await Assert.That(agent.StdErr).Contains(
                $"acws: cfg/server_cfg.ini line 3: section header has no closing ']' (the file is {folder.Cfg("server_cfg.ini")}: fix it there)");
            await Assert.That(agent.StdErr).DoesNotContain("--dir");
        }
    }

    [Test]
    public async Task A_port_in_use_exits_1()
    {
        using var folder = new TempServerFolder();
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        int port = ((IPEndPoint)taken.LocalEndpoint).Port;
        await using var agent = AgentProcess.Launch(["--dir", folder.Root, "--port", port.ToString()]);
        await Assert.That(await agent.WaitForExitAsync()).IsEqualTo(1);
        await Assert.That(agent.StdErr).Contains($"cannot listen on 127.0.0.1:{port}");
        await Assert.That(agent.StdErr).DoesNotContain("   at ");
    }

    [Test]
    public async Task Environment_fallbacks_apply_and_flags_win()
    {
        using var folder = new TempServerFolder();
        var env = new Dictionary<string, string> { ["ACWS_DIR"] = folder.Root, ["ACWS_PORT"] = "1", ["ACWS_TOKEN"] = "from-env" };
        await using var agent = await AgentProcess.StartAsync(["--port", "0"], env);
        await Assert.That(agent.StdOut).StartsWith($"acws listening on ws://127.0.0.1:{agent.Port}/");
        await Assert.ThrowsAsync<WebSocketException>(() => WsClient.ConnectAsync(agent.Port));
        await using var ws = await WsClient.ConnectAsync(agent.Port, token: "from-env");
        await Assert.That((await ws.AskAsync("server info")).Data().GetProperty("server").Str("track")).IsEqualTo("magione");
    }

    [Test]
    public async Task Acws_settings_and_the_token_stay_out_of_the_childrens_environment()
    {
        using var folder = new StandInFolder();
        folder.WriteScript("acServer", $"env > acserver.env.part && mv acserver.env.part acserver.env\nexec dotnet \"{AgentProcess.AgentDll}\" --stand-in-acserver \"$@\"");
        Directory.CreateDirectory(folder.PathOf("stracker"));
        folder.WriteScript("stracker/stracker", "env > stracker.env.part && mv stracker.env.part stracker.env\ntrap 'exit 0' TERM\nwhile :; do sleep 0.1; done");
        File.Copy(Fixtures.Real("cfg/germanrcuriel_stracker-V3.5.1_stracker-default.ini"), folder.PathOf("stracker/stracker.ini"));
        var env = new Dictionary<string, string> { ["ACWS_TOKEN"] = "secret-in-env", ["ACWS_SOMETHING_ELSE"] = "x" };
        await using var agent = await AgentProcess.StartAsync(["--dir", folder.Root, "--port", "0"], env);
        await using var ws = await WsClient.ConnectAsync(agent.Port, token: "secret-in-env");
        await Assert.That((await ws.AskAsync("server start", TimeSpan.FromSeconds(30))).ErrorOrNull()).IsNull();
        await Assert.That((await ws.AskAsync("tracker start", TimeSpan.FromSeconds(30))).ErrorOrNull()).IsNull();
        foreach (var dump in new[] { folder.PathOf("acserver.env"), folder.PathOf("stracker/stracker.env") })
        {
            // Started is not yet run: the script writes its dump a moment later (whole, by a rename).
            string text = await StandInFolder.ReadWhenThereAsync(dump, TimeSpan.FromSeconds(30));
            await Assert.That(text).Contains("PATH=");
            await Assert.That(text).DoesNotContain("ACWS_");
            await Assert.That(text).DoesNotContain("secret-in-env");
        }
        await ws.AskAsync("tracker stop", TimeSpan.FromSeconds(30));
        await ws.AskAsync("server stop", TimeSpan.FromSeconds(30));
    }

    [Test]
    public async Task A_token_file_gives_the_token_by_flag_or_environment()
    {
        using var folder = new TempServerFolder();
        string file = folder.PathOf("token");
        File.WriteAllText(file, "  from-a-file\n");
        await using (var agent = await AgentProcess.StartAsync(["--dir", folder.Root, "--port", "0", "--token-file", file]))
        {
            await Assert.ThrowsAsync<WebSocketException>(() => WsClient.ConnectAsync(agent.Port));
            await using var ws = await WsClient.ConnectAsync(agent.Port, token: "from-a-file");
            await Assert.That((await ws.AskAsync("server status")).ErrorOrNull()).IsNull();
        }
        var env = new Dictionary<string, string> { ["ACWS_TOKEN_FILE"] = file };
        await using (var agent = await AgentProcess.StartAsync(["--dir", folder.Root, "--port", "0"], env))
        {
            await using var ws = await WsClient.ConnectAsync(agent.Port, bearer: "from-a-file");
            await Assert.That((await ws.AskAsync("server status")).ErrorOrNull()).IsNull();
        }
    }

    [Test]
    public async Task A_token_file_that_is_missing_empty_or_not_a_file_exits_2_with_a_reason()
    {
        using var folder = new TempServerFolder();
        File.WriteAllText(folder.PathOf("empty"), " \n");
        File.WriteAllText(folder.PathOf("two-lines"), "one\ntwo\n");
        File.WriteAllText(folder.PathOf("token"), "t");
        foreach (var (args, reason) in new (string[], string)[]
        {
            (["--token-file", folder.PathOf("missing")], $"--token-file {folder.PathOf("missing")} does not exist"),
            (["--token-file", folder.PathOf("empty")], $"--token-file {folder.PathOf("empty")} is empty"),
            (["--token-file", folder.PathOf("two-lines")], "holds more than one line"),
            (["--token-file", folder.PathOf("cfg")], "is a folder, not a file holding the token"),
            (["--token-file", folder.PathOf("token"), "--token", "x"], "pass --token or --token-file, not both"),
        })
        {
            await using var agent = AgentProcess.Launch(["--dir", folder.Root, "--port", "0", .. args]);
            await Assert.That(await agent.WaitForExitAsync()).IsEqualTo(2);
            await Assert.That(agent.StdErr).Contains(reason);
            await Assert.That(agent.StdErr).Contains("usage: acws");
        }
        await Assert.That(Assert.Throws<UsageException>(() => Options.Parse([], n => n switch
        {
            "ACWS_TOKEN" => "a", "ACWS_TOKEN_FILE" => folder.PathOf("token"), _ => null,
        })).Message).IsEqualTo("set ACWS_TOKEN or ACWS_TOKEN_FILE, not both");
        // A flag replaces the environment's token, whichever way it came.
        var flagWins = Options.Parse(["--token-file", folder.PathOf("token")], n => n == "ACWS_TOKEN" ? "from-env" : null);
        await Assert.That(flagWins.Token).IsEqualTo("t");
        await Assert.That(Options.Parse(["--token", "flag"], n => n == "ACWS_TOKEN_FILE" ? folder.PathOf("missing") : null).Token).IsEqualTo("flag");
        await Assert.That(Options.Usage).Contains("--token-file PATH");
    }

    [Test]
    public async Task Version_and_help_exit_0()
    {
        await using (var v = AgentProcess.Launch(["--version"]))
        {
            await Assert.That(await v.WaitForExitAsync()).IsEqualTo(0);
            await Assert.That(v.StdOut).IsEqualTo($"acws {Agent.Version}");
        }
        await using var h = AgentProcess.Launch(["--help"]);
        await Assert.That(await h.WaitForExitAsync()).IsEqualTo(0);
        await Assert.That(h.StdOut).Contains("--max-clients N");
    }

    [Test]
    public async Task Demo_serves_a_sample_folder_without_assetto_corsa()
    {
        await using var agent = await AgentProcess.StartAsync(["--demo", "--port", "0"]);
        // stderr is read by its own reader: give it a moment to catch up with stdout.
        for (int i = 0; i < 100 && !agent.StdErr.Contains("in a browser"); i++) await Task.Delay(20);
        await Assert.That(agent.StdErr).Contains("demo server folder is ");
        await Assert.That(agent.StdErr).Contains($"open http://127.0.0.1:{agent.Port}/ in a browser");
        await using var ws = await WsClient.ConnectAsync(agent.Port);
        var server = (await ws.AskAsync("server info")).Data().GetProperty("server");
        await Assert.That(server.Str("track")).IsEqualTo("barbagallo");
        var entries = (await ws.AskAsync("server entries")).Data().GetProperty("entries");
        await Assert.That(entries.GetProperty("CAR_1").Str("drivername")).IsEqualTo("Joseph Elton");
        var sessions = (await ws.AskAsync("server sessions")).Data().GetProperty("sessions");
        await Assert.That(sessions.EnumerateObject().Count()).IsEqualTo(3);

        // Its stracker sits behind acws on the plugin link: acws forwards to stracker.ini's rcvPort, and stracker
        // sends to acws's port, so tracker start is not refused.
        string folder = System.Text.RegularExpressions.Regex.Match(agent.StdErr, @"demo server folder is (\S+)").Groups[1].Value;
        var tracker = AcWs.Ini.IniDocument.Load(Path.Combine(folder, "cfg", "stracker.ini"), "stracker.ini");
        await Assert.That((await ws.AskAsync("server start")).ErrorOrNull()).IsNull();
        var plugin = (await ws.AskAsync("live")).Data().GetProperty("live").GetProperty("plugin");
        await Assert.That(plugin.GetProperty("forward").EnumerateArray().Select(f => f.GetString()!)).IsEquivalentTo(["127.0.0.1:" + tracker.Get("ACPLUGIN", "rcvPort")]);
        await Assert.That(plugin.Str("address")).EndsWith(":" + tracker.Get("ACPLUGIN", "sendPort"));
        await Assert.That((await ws.AskAsync("tracker start")).ErrorOrNull()).IsNull();
        await Assert.That((await ws.AskAsync("tracker stop")).ErrorOrNull()).IsNull();
        await Assert.That((await ws.AskAsync("server stop")).ErrorOrNull()).IsNull();
    }

    [Test]
    public async Task Demo_with_assettoserver_runs_the_AssettoServer_stand_in_and_its_laps()
    {
        await using var agent = await AgentProcess.StartAsync(["--demo", "--assettoserver", "--port", "0"]);
        await using var ws = await WsClient.ConnectAsync(agent.Port);
        await Assert.That(Frames.IsMsg(await ws.AskAsync("server start"), "Assetto Corsa server started")).IsTrue();
        await ws.ReceiveUntilAsync(f => Frames.IsServerEvent(f, "AssettoServer starting"), TimeSpan.FromSeconds(30));
        var lap = (await ws.ReceiveUntilAsync(f => WsClient.TopicOf(f) == "lap", TimeSpan.FromSeconds(60))).Data().GetProperty("lap");
        await Assert.That(lap.GetProperty("time_ms").GetInt32()).IsGreaterThan(60_000);
        var info = (await ws.AskAsync("server info")).Data().GetProperty("server");
        await Assert.That(info.Str("kind")).IsEqualTo("AssettoServer");
        await Assert.That(info.GetProperty("drivers_connected").GetInt32()).IsGreaterThan(0);
        await Assert.That((await ws.AskAsync("server stop")).Data().Str("msg")).IsEqualTo("Assetto Corsa server stopped");
    }

    [Test]
    public async Task A_stdout_nobody_reads_never_holds_up_commands()
    {
        using var folder = new TempServerFolder();
        int port = StandInFolder.FreePort();
        // acws's stdout goes into a pipe whose reader never reads: it fills after 64 KiB of log.
        var psi = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, RedirectStandardError = true };
        psi.ArgumentList.Add("-c");
        string stderr = Path.Combine(folder.Root, "acws.stderr");
        psi.ArgumentList.Add($"dotnet \"{AgentProcess.AgentDll}\" --dir \"{folder.Root}\" --port {port} 2>\"{stderr}\" | sleep 120");
        using var shell = Process.Start(psi)!;
        try
        {
            using var http = new HttpClient();
            // A loaded machine may take long to start dotnet: a generous deadline, not a count of tries.
            var until = DateTime.UtcNow.AddSeconds(120);
            while (true)
            {
                try { if ((await http.GetAsync($"http://127.0.0.1:{port}/health")).IsSuccessStatusCode) break; }
                catch (HttpRequestException e)
                {
                    if (DateTime.UtcNow > until) throw new TimeoutException("acws never answered /health; its stderr: " + File.ReadAllText(stderr), e);
                    await Task.Delay(50);
                }
            }
            await using var ws = await WsClient.ConnectAsync(port);
            // Each command logs a line of about 80 bytes: 2,000 of them are well past the pipe's 64 KiB.
            for (int i = 0; i < 2000; i++)
                if ((await ws.AskAsync("server status", TimeSpan.FromSeconds(5))).IsError()) throw new Exception("error reply at " + i);
            await Assert.That((await ws.AskAsync("server info")).ErrorOrNull()).IsNull();
        }
        finally
        {
            shell.Kill(entireProcessTree: true);
            await shell.WaitForExitAsync();
        }
    }
}

/// <summary>The README's option table and <c>--help</c> come from the one table in <see cref="Options.Table"/>.</summary>
public class OptionTableTests
{
    static string Readme()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "README.md"))) dir = dir.Parent;
        return File.ReadAllText(Path.Combine(dir!.FullName, "README.md"));
    }

    /// <summary>README rows "| `--flag VALUE` | `ENV` … | default | meaning |": flag, env and default.</summary>
    static Dictionary<string, (string Env, string Default)> ReadmeRows()
    {
        var rows = new Dictionary<string, (string, string)>();
        foreach (var line in Readme().Split('\n'))
        {
            var cells = line.Split('|');
            if (cells.Length < 5 || !cells[1].Trim().StartsWith("`--")) continue;
            string env = System.Text.RegularExpressions.Regex.Match(cells[2], "`([A-Z_]+)`").Groups[1].Value;
            rows[cells[1].Trim().Trim('`')] = (env, cells[3].Trim());
        }
        return rows;
    }

    public static IEnumerable<string> Flags() => Options.Table.Select(o => o.Flag);

    [Test]
    [MethodDataSource(nameof(Flags))]
    public async Task The_readme_option_table_matches_the_parsers_table(string flag)
    {
        var option = Options.Table.Single(o => o.Flag == flag);
        var rows = ReadmeRows();
        await Assert.That(rows.ContainsKey(option.Usage)).IsTrue();
        await Assert.That(rows[option.Usage].Env).IsEqualTo(option.Env ?? "");
        await Assert.That(rows[option.Usage].Default).IsEqualTo(option.Default);
        await Assert.That(Options.Usage).Contains(option.Usage);
    }

    [Test]
    public async Task The_readme_lists_no_option_the_parser_lacks() =>
        await Assert.That(ReadmeRows().Keys.Except(Options.Table.Select(o => o.Usage))).IsEmpty();
}
