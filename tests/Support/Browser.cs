using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace AcWs.Tests.Support;

/// <summary>
/// A real headless Chromium (Debian's <c>chromium</c> + <c>chromium-driver</c>) driven over the W3C WebDriver
/// HTTP protocol by plain <see cref="HttpClient"/> calls to chromedriver: no package, no browser download.
/// </summary>
public sealed class Browser : IAsyncDisposable
{
    public const string ChromiumPath = "/usr/bin/chromium";
    public const string DriverPath = "/usr/bin/chromedriver";
    const string ElementKey = "element-6066-11e4-a52e-4f735466cecf";
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    /// <summary>Why the browser tests cannot run here, or null when they can.</summary>
    public static string? Missing =>
        !File.Exists(ChromiumPath) ? $"{ChromiumPath} is not installed (apt-get install -y chromium chromium-driver)"
        : !File.Exists(DriverPath) ? $"{DriverPath} is not installed (apt-get install -y chromium chromium-driver)"
        : null;

    readonly Process driver;
    readonly HttpClient http;
    readonly string profile;
    string session = "";

    Browser(Process driver, HttpClient http, string profile) { this.driver = driver; this.http = http; this.profile = profile; }

    public static async Task<Browser> StartAsync(int width = 1280, int height = 900)
    {
        int port = StandInFolder.FreePort();
        var psi = new ProcessStartInfo(DriverPath) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add($"--port={port}");
        psi.ArgumentList.Add("--allowed-ips=127.0.0.1");
        var process = Process.Start(psi)!;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        string profile = Path.Combine(Path.GetTempPath(), "acws-chromium-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(profile);
        var browser = new Browser(process, new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(60) }, profile);
        try
        {
            for (var until = DateTime.UtcNow + Timeout; ; await Task.Delay(100))
            {
                try { if ((await browser.http.GetAsync("status")).IsSuccessStatusCode) break; }
                catch (HttpRequestException) when (DateTime.UtcNow < until) { }
            }
            // Flags that keep Chromium off the (closed) network and in a throwaway profile.
            string[] args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                "--disable-extensions", "--disable-default-apps", "--no-default-browser-check", "--hide-scrollbars",
                "--force-color-profile=srgb", $"--window-size={width},{height}", $"--user-data-dir={profile}"];
            var caps = new JsonObject
            {
                ["capabilities"] = new JsonObject
                {
                    ["alwaysMatch"] = new JsonObject
                    {
                        ["browserName"] = "chrome",
                        ["unhandledPromptBehavior"] = "ignore",
                        ["goog:chromeOptions"] = new JsonObject
                        {
                            ["binary"] = ChromiumPath,
                            ["args"] = new JsonArray([.. args.Select(a => (JsonNode)a)]),
                        },
                    },
                },
            };
            var value = await browser.Call(HttpMethod.Post, "session", caps);
            browser.session = value.GetProperty("sessionId").GetString()!;
            return browser;
        }
        catch
        {
            await browser.DisposeAsync();
            throw;
        }
    }

    async Task<JsonElement> Call(HttpMethod method, string path, JsonNode? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        // A sized body: chromedriver does not read chunked requests.
        if (body is not null || method == HttpMethod.Post)
            request.Content = new StringContent((body ?? new JsonObject()).ToJsonString(), System.Text.Encoding.UTF8, "application/json");
        using var response = await http.SendAsync(request);
        var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
        var value = json.GetProperty("value");
        if (!response.IsSuccessStatusCode)
            throw new WebDriverException($"{method} {path}: {value.GetProperty("error").GetString()}: {value.GetProperty("message").GetString()}",
                value.GetProperty("error").GetString()!);
        return value;
    }

    string S(string rest) => $"session/{session}/{rest}";

    public Task Navigate(string url) => Call(HttpMethod.Post, S("url"), new JsonObject { ["url"] = url });

    /// <summary>Runs <paramref name="script"/> (a function body; <c>arguments[i]</c> are the args) and returns its value.</summary>
    public Task<JsonElement> Script(string script, params string[] args) =>
        Call(HttpMethod.Post, S("execute/sync"), new JsonObject { ["script"] = script, ["args"] = new JsonArray([.. args.Select(a => (JsonNode)a)]) });

    async Task<string> Find(string css)
    {
        var value = await Call(HttpMethod.Post, S("element"), new JsonObject { ["using"] = "css selector", ["value"] = css });
        return value.TryGetProperty(ElementKey, out var id) ? id.GetString()! : throw new Exception($"find {css}: {value}");
    }

    /// <summary>Clicks like a user: the element must be there, shown and enabled (waits for that first).</summary>
    public async Task Click(string css)
    {
        await WaitFor($"a clickable {css}", "const e = document.querySelector(arguments[0]); return !!e && !e.disabled && e.offsetParent !== null;", css);
        // The element's own click, not a pointer at its coordinates: cards above it grow as drivers join and laps
        // come in, and a layout that moves between aiming and clicking would click beside it.
        await Script("document.querySelector(arguments[0]).click();", css);
    }

    /// <summary>Replaces the text of an input by typing <paramref name="text"/> into it.</summary>
    public async Task Type(string css, string text)
    {
        await WaitFor($"an enabled {css}", "const e = document.querySelector(arguments[0]); return !!e && !e.disabled && e.offsetParent !== null;", css);
        string id = await Find(css);
        await Call(HttpMethod.Post, S($"element/{id}/clear"));
        await Call(HttpMethod.Post, S($"element/{id}/value"), new JsonObject { ["text"] = text });
    }

    public async Task<string> Text(string css) =>
        (await Script("const e = document.querySelector(arguments[0]); return e ? e.textContent : null;", css)).GetString() ?? "";

    /// <summary>Waits until <paramref name="script"/> returns true; fails with <paramref name="what"/> and the page's event log.</summary>
    public async Task WaitFor(string what, string script, params string[] args)
    {
        var until = DateTime.UtcNow + Timeout;
        while (true)
        {
            var v = await Script(script, args);
            if (v.ValueKind == JsonValueKind.True) return;
            if (DateTime.UtcNow > until)
                throw new TimeoutException($"the page did not show {what} within {Timeout.TotalSeconds} s; event log:\n{await Text("#log")}");
            await Task.Delay(100);
        }
    }

    /// <summary>Waits until the text of <paramref name="css"/> contains <paramref name="text"/>.</summary>
    public Task WaitForText(string css, string text) =>
        WaitFor($"'{text}' in {css}", "const e = document.querySelector(arguments[0]); return !!e && e.textContent.includes(arguments[1]);", css, text);

    public async Task AcceptAlert()
    {
        for (var until = DateTime.UtcNow + Timeout; ; await Task.Delay(100))
        {
            try { await Call(HttpMethod.Post, S("alert/accept")); return; }
            catch (WebDriverException e) when (e.Code == "no such alert" && DateTime.UtcNow < until) { }
        }
    }

    /// <summary>A Chrome DevTools command through chromedriver.</summary>
    public Task<JsonElement> Cdp(string command, JsonObject parameters) =>
        Call(HttpMethod.Post, S("goog/cdp/execute"), new JsonObject { ["cmd"] = command, ["params"] = parameters });

    /// <summary>Lays the page out as a phone (or any) screen of <paramref name="width"/> CSS pixels.</summary>
    public Task Emulate(int width, int height, double scale, bool mobile) =>
        Cdp("Emulation.setDeviceMetricsOverride", new JsonObject { ["width"] = width, ["height"] = height, ["deviceScaleFactor"] = scale, ["mobile"] = mobile });

    /// <summary>A PNG of the whole page, or of what the screen shows (<paramref name="fullPage"/> false).</summary>
    public async Task Screenshot(string path, bool fullPage = true)
    {
        var shot = await Cdp("Page.captureScreenshot", new JsonObject { ["format"] = "png", ["captureBeyondViewport"] = fullPage });
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllBytesAsync(path, Convert.FromBase64String(shot.GetProperty("data").GetString()!));
    }

    public async ValueTask DisposeAsync()
    {
        try { if (session.Length > 0) await Call(HttpMethod.Delete, $"session/{session}"); } catch (Exception) { /* closing anyway */ }
        try { if (!driver.HasExited) { driver.Kill(entireProcessTree: true); await driver.WaitForExitAsync(); } } catch (Exception) { }
        driver.Dispose();
        http.Dispose();
        try { Directory.Delete(profile, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

public sealed class WebDriverException(string message, string code) : Exception(message)
{
    public string Code { get; } = code;
}
