using AcWs.Tests.Support;

namespace AcWs.Tests;

/// <summary>
/// The web console's live timing card in a real headless Chromium: acws as a child process linked to the stand-in
/// acServer's UDP plugin interface, the drivers and laps cued into the stand-in.
/// </summary>
public class LiveConsoleTests
{
    const string Token = "tok-en-5ecret";

    /// <summary>The card's rows as text, one a line: <c>CAR_ID POS|DRIVER|CAR|LAPS|LAST|BEST|GAP</c>.</summary>
    const string Rows = "[...document.querySelectorAll('#live-body tr')].map(tr => tr.dataset.car + ' ' + [...tr.children].slice(0, 7).map(td => td.textContent).join('|')).join('\\n')";

    [Test]
    public async Task In_a_real_browser_live_timing_updates_in_place_and_chat_kick_and_next_reach_the_server()
    {
        if (Browser.Missing is { } why) Skip.Test($"browser tests need Chromium: {why}");
        using var folder = new StandInFolder();
        folder.UsePluginPorts(StandInFolder.FreePort(), StandInFolder.FreePort());
        await using var agent = await AgentProcess.StartAsync(["--dir", folder.Root, "--port", "0", "--token", Token]);
        await using var browser = await Browser.StartAsync(1280, 900);
        await browser.Navigate($"http://127.0.0.1:{agent.Port}/");
        await browser.Type("#token", Token);
        await browser.Click("#connect");
        await browser.WaitForText("#conn", "Connected");
        await browser.Click("#btn-start");
        await browser.WaitForText("#srv-state", "Running");
        await browser.WaitForText("#live-session", "Practice");

        foreach (var car in new[] { "CAR_0", "CAR_1", "CAR_2" }) folder.Cue("join " + car);
        await browser.WaitFor("three cars", "return document.querySelectorAll('#live-body tr').length === 3;");
        await browser.Script("document.querySelectorAll('#live-body tr').forEach(tr => tr.dataset.mark = 'kept');");

        // Practice: by best lap; a lap with a cut is no best lap.
        folder.Cue("lap CAR_1 91000");
        folder.Cue("lap CAR_0 92000");
        folder.Cue("lap CAR_2 90500 1");
        await browser.WaitFor("the order after three laps", $"const t = {Rows}; return t.startsWith('1 1|CAR_1|') && t.includes('0 2|CAR_0|bmw_m3_e30|1|1:32.000|1:32.000|+1.000');");
        await Assert.That((await browser.Script("return document.querySelector('#live-body tr[data-car=\"1\"] td:nth-child(6)').classList.contains('overall');")).GetBoolean()).IsTrue();
        folder.Cue("lap CAR_0 90000");
        await browser.WaitFor("CAR_0 leading", "return document.querySelector('#live-body tr').dataset.car === '0';");
        await Assert.That(await browser.Text("#live-body tr[data-car=\"1\"] td:nth-child(7)")).IsEqualTo("+1.000");
        // Every row is the element it was before the laps: updated in place, never rebuilt.
        await Assert.That((await browser.Script("return [...document.querySelectorAll('#live-body tr')].every(tr => tr.dataset.mark === 'kept');")).GetBoolean()).IsTrue();

        await browser.Type("#chat-text", "hello drivers");
        await browser.Click("#chat-form button");
        await folder.LogContainsAsync("CHAT to all: hello drivers", TimeSpan.FromSeconds(20));
        folder.Cue("chat CAR_1 thanks");
        await browser.WaitForText("#chat-log", "CAR_1: thanks");

        await browser.Click("#live-body tr[data-car=\"2\"] button");
        await browser.AcceptAlert();
        await folder.LogContainsAsync("Clean exit, driver disconnected:  CAR_2", TimeSpan.FromSeconds(20));
        await browser.WaitFor("CAR_2 greyed", "return document.querySelector('#live-body tr[data-car=\"2\"]').classList.contains('off');");

        await browser.Click("#live-next");
        await browser.AcceptAlert();
        await browser.WaitForText("#live-session", "Qualify");
    }
}
