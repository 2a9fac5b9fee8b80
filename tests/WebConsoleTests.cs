using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.RegularExpressions;
using AcWs.Ini;
using AcWs.Tests.Support;

namespace AcWs.Tests;

/// <summary>
/// The web console: its files and headers over plain HTTP, the Origin rule of the WebSocket upgrade, and the page
/// itself in a real headless Chromium against acws as a child process with the stand-in acServer.
/// </summary>
public class WebConsoleTests
{
    const string Token = "tok-en-5ecret";

    [Test]
    public async Task The_page_and_its_files_are_served_with_strict_headers_and_no_secret()
    {
        using var folder = new TempServerFolder();
        await using var host = await AgentHost.StartAsync(folder.Root, token: Token);
        using var http = new HttpClient();
        string root = $"http://127.0.0.1:{host.Port}";
        foreach (var (path, type) in new[] { ("/", "text/html"), ("/app.js", "text/javascript"), ("/app.css", "text/css"), ("/icon.svg", "image/svg+xml") })
        {
            var r = await http.GetAsync(root + path);
            await Assert.That(r.StatusCode).IsEqualTo(HttpStatusCode.OK);
            await Assert.That(r.Content.Headers.ContentType!.MediaType).IsEqualTo(type);
            string csp = r.Headers.GetValues("Content-Security-Policy").Single();
            await Assert.That(csp).StartsWith("default-src 'self'; script-src 'self'; style-src 'self';");
            await Assert.That(csp).Contains($"connect-src 'self' ws://127.0.0.1:{host.Port} wss://127.0.0.1:{host.Port};");
            await Assert.That(csp).Contains("frame-ancestors 'none'");
            await Assert.That(csp).DoesNotContain("unsafe");
            await Assert.That(r.Headers.GetValues("X-Content-Type-Options").Single()).IsEqualTo("nosniff");
            await Assert.That(r.Headers.GetValues("Referrer-Policy").Single()).IsEqualTo("no-referrer");
            await Assert.That(await r.Content.ReadAsStringAsync()).DoesNotContain(Token);
        }
        // The same headers on every answer, also the JSON and the errors.
        foreach (var path in new[] { "/health", "/nope" })
            await Assert.That((await http.GetAsync(root + path)).Headers.Contains("Content-Security-Policy")).IsTrue();

        // No inline script or style: everything the page runs comes from its own files.
        string html = await http.GetStringAsync(root + "/");
        await Assert.That(Regex.IsMatch(html, @"<script(?![^>]*\bsrc=)", RegexOptions.IgnoreCase)).IsFalse();
        await Assert.That(Regex.IsMatch(html, @"<style|\sstyle=|\son[a-z]+=", RegexOptions.IgnoreCase)).IsFalse();
        await Assert.That(Regex.IsMatch(html, @"(src|href)=""(https?:)?//", RegexOptions.IgnoreCase)).IsFalse();
        var head = await http.SendAsync(new HttpRequestMessage(HttpMethod.Head, root + "/app.js"));
        await Assert.That(head.StatusCode).IsEqualTo(HttpStatusCode.OK);
    }

    static async Task<HttpStatusCode?> Upgrade(int port, string? origin, string host = "127.0.0.1")
    {
        using var ws = new ClientWebSocket();
        ws.Options.CollectHttpResponseDetails = true;
        if (origin is not null) ws.Options.SetRequestHeader("Origin", origin);
        try
        {
            await ws.ConnectAsync(new Uri($"ws://{host}:{port}/?token={Token}"), CancellationToken.None);
            return ws.HttpStatusCode;
        }
        catch (WebSocketException) { return ws.HttpStatusCode; }
    }

    [Test]
    public async Task A_browser_origin_must_be_the_agents_own_address_or_allowed()
    {
        using var folder = new TempServerFolder();
        await using var host = await AgentHost.StartAsync(new Options
        {
            Dir = folder.Root, Port = 0, Token = Token, AllowOrigins = ["https://console.example.org"],
        });
        int port = host.Port;
        // Non-browser clients send no Origin and stay allowed.
        await Assert.That(await Upgrade(port, null)).IsEqualTo(HttpStatusCode.SwitchingProtocols);
        await Assert.That(await Upgrade(port, $"http://127.0.0.1:{port}")).IsEqualTo(HttpStatusCode.SwitchingProtocols);
        await Assert.That(await Upgrade(port, $"http://localhost:{port}", host: "localhost")).IsEqualTo(HttpStatusCode.SwitchingProtocols);
        await Assert.That(await Upgrade(port, "https://console.example.org")).IsEqualTo(HttpStatusCode.SwitchingProtocols);
        await Assert.That(await Upgrade(port, "https://CONSOLE.example.org")).IsEqualTo(HttpStatusCode.SwitchingProtocols);
        foreach (var bad in new[] { "http://evil.example", $"http://127.0.0.1:{port + 1}", $"http://localhost:{port}", "null",
                     "https://console.example.org.evil.example", "http://console.example.org", $"http://127.0.0.1:{port}.evil.example" })
            await Assert.That(await Upgrade(port, bad)).IsEqualTo(HttpStatusCode.Forbidden);
        string log = await host.LogWhenAsync(l => l.Split('\n').Count(x => x.Contains("refused 127.0.0.1")) >= 7);
        await Assert.That(log.Split('\n').Count(x => x.Contains("refused 127.0.0.1"))).IsEqualTo(7);
        await Assert.That(log).DoesNotContain(Token);
    }

    [Test]
    public async Task Allow_origin_comes_from_flags_or_the_environment()
    {
        var none = Options.Parse([], _ => null);
        await Assert.That(none.AllowOrigins.Count).IsEqualTo(0);
        var env = Options.Parse([], n => n == "ACWS_ALLOW_ORIGIN" ? "https://a.example, http://b.example:8080/" : null);
        await Assert.That(string.Join(" ", env.AllowOrigins)).IsEqualTo("https://a.example http://b.example:8080");
        var flags = Options.Parse(["--allow-origin", "https://C.example:443", "--allow-origin", "http://d.example"],
            n => n == "ACWS_ALLOW_ORIGIN" ? "https://a.example" : null);
        await Assert.That(string.Join(" ", flags.AllowOrigins)).IsEqualTo("https://c.example http://d.example");
        foreach (var bad in new[] { "example.com", "ftp://x.example", "https://x.example/path", "https://x.example/?q=1", "*" })
        {
            var e = Assert.Throws<UsageException>(() => Options.Parse(["--allow-origin", bad], _ => null));
            await Assert.That(e!.Message).StartsWith("--allow-origin must be an origin like https://example.com");
        }
        await Assert.That(Options.Usage).Contains("--allow-origin ORIGIN");
    }

    static byte[] DemoFile(string name)
    {
        using var source = typeof(AcWs.Demo.DemoFolder).Assembly.GetManifestResourceStream("demo/" + name)!;
        using var copy = new MemoryStream();
        source.CopyTo(copy);
        return copy.ToArray();
    }

    static string Slot0Driver(string entryList) =>
        Regex.Match(File.ReadAllText(entryList), @"\[CAR_0\][^\[]*?DRIVERNAME=([^\r\n]*)").Groups[1].Value;

    static string RaceSection(string serverCfg) =>
        Regex.Match(File.ReadAllText(serverCfg), @"\[RACE\][^\[]*").Value;

    /// <summary>Where the screenshots go: $ACWS_SCREENSHOTS when set (e.g. docs/), else next to the test binaries.</summary>
    static string ShotPath(string name) =>
        Path.Combine(Environment.GetEnvironmentVariable("ACWS_SCREENSHOTS") is { Length: > 0 } d ? d : Path.Combine(AppContext.BaseDirectory, "screenshots"), name);

    /// <summary>
    /// <c>acws --demo</c> as a newcomer meets it: every card alive. Its acServer registers with the demo's own lobby
    /// (on 127.0.0.1), Re-register works, and its stand-in stracker starts and stops.
    /// </summary>
    [Test]
    public async Task In_a_real_browser_the_demo_shows_the_lobby_registered_and_stracker_starting_and_stopping()
    {
        if (Browser.Missing is { } why) Skip.Test($"browser tests need Chromium: {why}");

        await using var agent = await AgentProcess.StartAsync(["--demo", "--port", "0"]);
        await using var browser = await Browser.StartAsync(1280, 900);
        await browser.Navigate($"http://127.0.0.1:{agent.Port}/");
        await browser.WaitFor("the login form", "return !document.getElementById('login').hidden;");
        await browser.Click("#connect");
        await browser.WaitForText("#conn", "Connected");
        await browser.WaitForText("#srv-name", "AcWs Demo League");

        await browser.Click("#btn-start");
        await browser.WaitForText("#srv-state", "Running");
        // The stand-in acServer registers at start, as acServer does; the card follows its lines.
        await browser.WaitForText("#lobby-state", "Registered");
        await browser.Click("#lobby-restart");
        await browser.WaitForText("#lobby-msg", "lobby registration SUCCESS");
        await Assert.That(await browser.Text("#lobby-state")).IsEqualTo("Registered");

        await browser.Click("#tracker-start");
        await browser.WaitForText("#tracker-state", "Running");
        await browser.Click("#tracker-stop");
        await browser.WaitForText("#tracker-state", "Stopped");
        await browser.WaitForText("#tracker-msg", "Stracker server stopped");
    }

    [Test]
    public async Task In_a_real_browser_log_in_start_see_drivers_set_the_grid_and_laps_then_stop()
    {
        if (Browser.Missing is { } why) Skip.Test($"browser tests need Chromium: {why}");

        using var folder = StandInFolder.WithDemoFiles();
        TrackerTests.InstallStracker(folder.Root);
        // The demo files set the UDP plugin keys: stracker goes behind acws on the link, as the README's relay says.
        int strackerPort = StandInFolder.FreePort();
        string acwsPort = AcWs.Ini.IniDocument.Load(folder.Cfg("server_cfg.ini"), "server_cfg.ini").Get("SERVER", "UDP_PLUGIN_ADDRESS")!.Split(':')[1];
        var tracker = AcWs.Ini.IniDocument.Load(folder.PathOf("stracker/stracker.ini"), "stracker.ini");
        tracker.Set("ACPLUGIN", "rcvPort", strackerPort.ToString());
        tracker.Set("ACPLUGIN", "sendPort", acwsPort);
        File.WriteAllBytes(folder.PathOf("stracker/stracker.ini"), tracker.ToBytes());
        await using var agent = await AgentProcess.StartAsync(["--dir", folder.Root, "--port", "0", "--token", Token, "--plugin-forward", $"127.0.0.1:{strackerPort}"]);
        await using var browser = await Browser.StartAsync(1280, 900);
        string url = $"http://127.0.0.1:{agent.Port}/";
        await browser.Navigate(url);

        // Log in: a wrong token first, with a clear message; then the right one.
        await browser.WaitFor("the login form", "return !document.getElementById('login').hidden;");
        await browser.Type("#token", "not-the-token");
        await browser.Click("#connect");
        await browser.WaitForText("#login-error", "Wrong token");
        await Assert.That(await browser.Text("#conn")).IsEqualTo("Not connected");
        await browser.Type("#token", Token);
        await browser.Click("#connect");
        await browser.WaitForText("#conn", "Connected");
        await browser.WaitForText("#srv-name", "AcWs Demo League");
        await Assert.That(await browser.Text("#srv-track")).IsEqualTo("barbagallo");
        await Assert.That(await browser.Text("#srv-state")).IsEqualTo("Stopped");
        await Assert.That((await browser.Script("return location.href;")).GetString()).IsEqualTo(url);
        await Assert.That((await browser.Script("return sessionStorage.getItem('acws.token');")).GetString()).IsEqualTo(Token);

        // Start: running on the page, acServer's log on disk.
        await browser.Click("#btn-start");
        await browser.WaitForText("#srv-state", "Running");
        await browser.WaitForText("#srv-version", "acServer v1.15");
        await Assert.That(folder.Logs().Length).IsEqualTo(1);

        // Drivers join live.
        folder.Cue("join Callum Jones");
        folder.Cue("join Joseph Elton");
        await browser.WaitForText("#drivers-body", "Callum Jones");
        await browser.WaitForText("#drivers-body", "Joseph Elton");
        await browser.WaitForText("#drivers-count", "2");
        await Assert.That(await browser.Text("#drivers-body")).Contains("76561198020046073");

        // Grid from the last race, saved: on disk CAR_0 is the winner; then the reversed grid, pending.
        await Assert.That(Slot0Driver(folder.Cfg("entry_list.ini"))).IsEqualTo("Callum Jones");
        await browser.Click("#grid-finish");
        await browser.WaitForText("#grid-msg", "parse SUCCESS");
        await browser.WaitForText("#grid-proposed li:first-child", "Joseph Elton");
        await browser.Click("#grid-save");
        await browser.WaitForText("#grid-msg", "entry_list.ini file update SUCCESS");
        await Assert.That(Slot0Driver(folder.Cfg("entry_list.ini"))).IsEqualTo("Joseph Elton");
        await browser.WaitForText("#grid-current li:first-child", "Joseph Elton");
        await browser.Click("#grid-reverse");
        await browser.WaitForText("#grid-proposed li:first-child", "Callum Jones");

        // Race laps: the diff preview before writing.
        await browser.Type("#ed-laps", "12");
        await browser.Click("#ed-set-laps");
        await browser.WaitForText("#cfg-msg", "Set RACE LAPS=12");
        await browser.WaitForText("#diff", "+LAPS=12");
        await Assert.That(await browser.Text("#diff")).Contains("-LAPS=5");
        await Assert.That(RaceSection(folder.Cfg("server_cfg.ini"))).Contains("LAPS=5");

        // The command box, with history.
        await browser.Type("#cmd-input", "server status");
        await browser.Script("document.getElementById('cmd-form').requestSubmit();");
        await browser.WaitForText("#log", "\"running\": true");
        await browser.Script("const i = document.getElementById('cmd-input'); i.focus(); i.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowUp', bubbles: true }));");
        await Assert.That((await browser.Script("return document.getElementById('cmd-input').value;")).GetString()).IsEqualTo("server status");
        await browser.Script("document.getElementById('cmd-input').value = '';");

        // Screenshots at desktop and phone width, mid-evening.
        await browser.Screenshot(ShotPath("console-desktop.png"));
        await browser.Emulate(360, 780, 2, mobile: true);
        await browser.WaitFor("a one-column layout", "return document.documentElement.scrollWidth <= 360;");
        await browser.Script("window.scrollTo(0, 0);");
        await browser.Screenshot(ShotPath("console-phone.png"), fullPage: false);
        await browser.Cdp("Emulation.clearDeviceMetricsOverride", []);
        // Dark mode follows the system.
        string Background = "return getComputedStyle(document.body).backgroundColor;";
        string light = (await browser.Script(Background)).GetString()!;
        await browser.Cdp("Emulation.setEmulatedMedia", new() { ["features"] = new System.Text.Json.Nodes.JsonArray(
            new System.Text.Json.Nodes.JsonObject { ["name"] = "prefers-color-scheme", ["value"] = "dark" }) });
        await Assert.That((await browser.Script(Background)).GetString()).IsNotEqualTo(light);
        await browser.Screenshot(ShotPath("console-dark.png"), fullPage: false);
        await browser.Cdp("Emulation.setEmulatedMedia", new() { ["features"] = new System.Text.Json.Nodes.JsonArray() });

        // Save the reversed grid: the demo's file again, byte for byte.
        await browser.Click("#grid-save");
        await browser.WaitForText("#grid-current li:first-child", "Callum Jones");
        await Assert.That(File.ReadAllBytes(folder.Cfg("entry_list.ini"))).IsEquivalentTo(DemoFile("cfg/entry_list.ini"));

        // Write the laps.
        await browser.Click("#cfg-write");
        await browser.WaitForText("#cfg-msg", "Wrote cfg/server_cfg.ini");
        await browser.WaitForText("#diff", "Nothing pending.");
        await browser.WaitForText("#sessions-body", "12 laps");
        string race = RaceSection(folder.Cfg("server_cfg.ini"));
        await Assert.That(race).Contains("LAPS=12");
        await Assert.That(race).DoesNotContain("LAPS=5");

        // A driver leaves live.
        folder.Cue("leave Joseph Elton");
        await browser.WaitFor("Joseph Elton gone", "return !document.getElementById('drivers-body').textContent.includes('Joseph Elton');");
        await Assert.That(await browser.Text("#drivers-body")).Contains("Callum Jones");
        await Assert.That(File.ReadAllText(folder.Logs().Single())).Contains("Joseph Elton");

        // Lobby: this server does not register (REGISTER_TO_LOBBY=0), and the page says why.
        await browser.WaitForText("#lobby-state", "Not registered");
        await browser.Click("#lobby-restart");
        await browser.WaitForText("#lobby-msg", "REGISTER_TO_LOBBY=0");
        // stracker: started and stopped from the page, the process checked on disk (its log).
        await browser.WaitForText("#tracker-state", "Stopped");
        await browser.Click("#tracker-start");
        await browser.WaitForText("#tracker-state", "Running");
        await browser.Click("#tracker-stop");
        await browser.WaitForText("#tracker-state", "Stopped");
        await Assert.That(File.ReadAllText(folder.Logs("stracker-").Single())).Contains("got TERM");

        // A session runs: the Sessions card marks it.
        folder.Cue("session practice");
        await browser.WaitFor("the active practice", "return document.querySelector('#sessions-body tr.active[data-session=\"Practice\"]') !== null;");

        // Stop asks first; then no driver is on and no session runs.
        await browser.Click("#btn-stop");
        await browser.AcceptAlert();
        await browser.WaitForText("#srv-state", "Stopped");
        await browser.WaitForText("#drivers-count", "0");
        await browser.WaitFor("no active session after the stop", "return document.querySelector('#sessions-body tr.active') === null;");
        await Assert.That(File.ReadAllText(folder.Logs().Single())).Contains("Server shutting down (SIGTERM)");

        // The token never reached acws's log.
        await Assert.That(agent.StdOut + agent.StdErr).DoesNotContain(Token);
    }
}
