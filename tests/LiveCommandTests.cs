using AcWs.Live;
using AcWs.Tests.Support;
using static AcWs.Live.PluginMessage;

namespace AcWs.Tests;

/// <summary>
/// chat, kick, car, admin, session next|restart over the real link: the bytes that reach the test's acServer socket,
/// and the reply once it answered (or refused, or stayed silent).
/// </summary>
public class LiveCommandTests
{
    static async Task<PluginRig> RigWithDrivers(Timings? timings = null)
    {
        var rig = await PluginRig.StartAsync(timings: timings);
        await rig.SendAsync(LiveTimingTests.Session(PluginSessionType.Race, "Race", index: 2, laps: 10));
        foreach (var (car, name) in new[] { (3, "Max Power"), (4, "Maxine"), (5, "Lewis") }) await rig.SendAsync(LiveTimingTests.Joined(car, name));
        await rig.LiveWhenAsync(l => l.GetProperty("cars").GetArrayLength() == 3);
        return rig;
    }

    static Task<byte[]> Command(PluginRig rig, byte id) => rig.ReceiveAsync(d => d.Length > 0 && d[0] == id);

    static async Task AssertBytes(byte[] got, byte[] expected) =>
        await Assert.That(Convert.ToHexString(got)).IsEqualTo(Convert.ToHexString(expected));

    [Test]
    public async Task Chat_to_all_sends_the_rest_of_the_line_as_typed_and_every_client_hears_it()
    {
        await using var rig = await RigWithDrivers();
        var reply = await rig.Admin.AskAsync("chat all  Yellow flag  in turn 3, ünïcode ok ");
        await Assert.That(reply.Data().Str("msg")).IsEqualTo("sent to all");
        await AssertBytes(await Command(rig, PluginCommand.BroadcastChatId), PluginCommand.BroadcastChat("Yellow flag  in turn 3, ünïcode ok"));
        var echo = await rig.EventAsync("chat");
        await Assert.That((echo.GetProperty("car_id").ValueKind, echo.Str("driver"), echo.Str("message"), echo.Str("to")))
            .IsEqualTo((System.Text.Json.JsonValueKind.Null, "admin", "Yellow flag  in turn 3, ünïcode ok", "all"));
    }

    [Test]
    public async Task Chat_to_a_driver_resolves_the_name_or_says_who_it_could_be()
    {
        await using var rig = await RigWithDrivers();
        // Exact beats prefix ("maxine" is exact for car 4 though "max" starts both); a unique part works.
        await Assert.That((await rig.Admin.AskAsync("chat MAXINE hi")).Data().Str("msg")).IsEqualTo("sent to Maxine (car 4)");
        await AssertBytes(await Command(rig, PluginCommand.SendChatId), PluginCommand.SendChat(4, "hi"));
        await Assert.That((await rig.Admin.AskAsync("chat wis box this lap")).Data().Str("msg")).IsEqualTo("sent to Lewis (car 5)");
        await AssertBytes(await Command(rig, PluginCommand.SendChatId), PluginCommand.SendChat(5, "box this lap"));
        await Assert.That((await rig.Admin.AskAsync("chat 3 hello")).Data().Str("msg")).IsEqualTo("sent to Max Power (car 3)");
        await AssertBytes(await Command(rig, PluginCommand.SendChatId), PluginCommand.SendChat(3, "hello"));

        await Assert.That((await rig.Admin.AskAsync("chat max hi")).ErrorMsg())
            .IsEqualTo("'max' could be Max Power (car 3), Maxine (car 4): use more of the name or the car id");
        await Assert.That((await rig.Admin.AskAsync("chat nobody hi")).ErrorMsg())
            .IsEqualTo("no driver on the server matches 'nobody'; on the server: Max Power (car 3), Maxine (car 4), Lewis (car 5)");
        await Assert.That((await rig.Admin.AskAsync("chat 9 hi")).ErrorMsg()).StartsWith("no driver is in car 9;");
        await Assert.That((await rig.Admin.AskAsync("chat all " + new string('x', 256))).ErrorMsg()).IsEqualTo("the text is 256 characters; acServer takes at most 255");
        await Assert.That((await rig.Admin.AskAsync("chat lewis")).ErrorMsg()).IsEqualTo("wrong number of arguments for 'chat': usage 'chat <car|driver> <text…>'");
    }

    [Test]
    public async Task Kick_replies_once_the_server_closed_the_connection_and_an_error_becomes_an_error_reply()
    {
        await using var rig = await RigWithDrivers();
        var asking = rig.Admin.AskAsync("kick max power");
        await AssertBytes(await Command(rig, PluginCommand.KickUserId), PluginCommand.KickUser(3));
        await rig.SendAsync(LiveTimingTests.Joined(3, "Max Power") with { Connected = false });
        await Assert.That((await asking).Data().Str("msg")).IsEqualTo("kicked Max Power (car 3)");

        asking = rig.Admin.AskAsync("kick 7");
        await AssertBytes(await Command(rig, PluginCommand.KickUserId), PluginCommand.KickUser(7));
        await rig.SendAsync(new Error("ERROR: ACSP_KICK_USER index 7 out of bound"));
        await Assert.That((await asking).ErrorMsg()).IsEqualTo("kick car 7: acServer refused it: ERROR: ACSP_KICK_USER index 7 out of bound");
    }

    [Test]
    public async Task A_command_the_server_never_answers_gets_an_error_after_the_reply_timeout()
    {
        await using var rig = await RigWithDrivers(new Timings { PluginReplyTimeout = TimeSpan.FromMilliseconds(300) });
        var reply = await rig.Admin.AskAsync("kick lewis");
        await Assert.That(reply.ErrorMsg()).IsEqualTo($"kick Lewis (car 5): acServer did not answer within 0.3 s (UDP plugin port {rig.LocalPort})");
        // A late answer is only an event, no stray reply.
        await rig.SendAsync(LiveTimingTests.Joined(5, "Lewis") with { Connected = false });
        await rig.EventAsync("car", c => c.Str("state") == "disconnected" && c.Str("driver") == "Lewis");
        await Assert.That((await rig.Admin.AskAsync("server status")).IsError()).IsFalse();
    }

    [Test]
    public async Task Session_next_and_restart_reply_with_the_session_the_server_started()
    {
        await using var rig = await RigWithDrivers();
        var asking = rig.Admin.AskAsync("session next");
        await AssertBytes(await Command(rig, PluginCommand.NextSessionId), [207]);
        await rig.SendAsync(new EndSession(""));
        await rig.SendAsync(LiveTimingTests.Session(PluginSessionType.Qualify, "Qualify", index: 1));
        await Assert.That((await asking).Data().Str("msg")).IsEqualTo("session next: now Qualify (qualify, session 2 of 3)");

        asking = rig.Admin.AskAsync("session restart");
        await AssertBytes(await Command(rig, PluginCommand.RestartSessionId), [208]);
        await rig.SendAsync(new EndSession(""));
        await rig.SendAsync(LiveTimingTests.Session(PluginSessionType.Qualify, "Qualify", index: 1));
        await Assert.That((await asking).Data().Str("msg")).IsEqualTo("session restart: now Qualify (qualify, session 2 of 3)");
    }

    [Test]
    public async Task Admin_sends_the_rest_of_the_line_and_car_shows_the_servers_answer()
    {
        await using var rig = await RigWithDrivers();
        await Assert.That((await rig.Admin.AskAsync("admin /ballast 3 50")).Data().Str("msg")).IsEqualTo("sent '/ballast 3 50' to acServer (it does not confirm admin commands)");
        await AssertBytes(await Command(rig, PluginCommand.AdminCommandId), PluginCommand.AdminCommand("/ballast 3 50"));

        var asking = rig.Admin.AskAsync("car Lewis");
        await AssertBytes(await Command(rig, PluginCommand.GetCarInfoId), PluginCommand.GetCarInfo(5));
        await rig.SendAsync(new CarInfo(5, true, "ks_mazda_mx5", "red", "Lewis", "Team L", "76561198000000005"));
        var car = (await asking).Data().GetProperty("car");
        await Assert.That((car.Str("driver"), car.Str("team"), car.Str("model"), car.GetProperty("connected").GetBoolean()))
            .IsEqualTo(("Lewis", "Team L", "ks_mazda_mx5", true));
    }

    [Test]
    public async Task Without_a_link_each_command_says_how_to_enable_it()
    {
        using var folder = new TempServerFolder();
        await using var host = await AgentHost.StartAsync(folder.Root);
        await using var ws = await WsClient.ConnectAsync(host.Port);
        foreach (var command in new[] { "chat all hi", "chat 1 hi", "kick 1", "car 1", "admin /help", "session next", "session restart" })
            await Assert.That((await ws.AskAsync(command)).ErrorMsg()).IsEqualTo(
                "no UDP plugin link: the UDP plugin is off: server_cfg.ini sets neither UDP_PLUGIN_LOCAL_PORT nor UDP_PLUGIN_ADDRESS; "
                + "send 'server plugin enable', then 'server configuration write'; it takes effect at the next server start");
        var live = (await ws.AskAsync("live")).Data().GetProperty("live");
        await Assert.That((live.GetProperty("plugin").GetProperty("linked").GetBoolean(), live.GetProperty("cars").GetArrayLength())).IsEqualTo((false, 0));
        await Assert.That(live.GetProperty("session").ValueKind).IsEqualTo(System.Text.Json.JsonValueKind.Null);
    }
}
