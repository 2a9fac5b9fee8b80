using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using AcWs.Tests.Support;

namespace AcWs.Tests;

/// <summary>server info's plugin keys, server plugin enable, and tracker start refusing a stracker that would take acws's port.</summary>
public class PluginSetupTests
{
    static JsonElement PluginOf(JsonElement info) => info.Data().GetProperty("server").GetProperty("plugin");

    [Test]
    public async Task Server_plugin_enable_puts_two_free_loopback_ports_into_the_pending_configuration()
    {
        using var folder = new TempServerFolder();
        await using var host = await AgentHost.StartAsync(folder.Root);
        await using var ws = await WsClient.ConnectAsync(host.Port);
        var before = await ws.AskAsync("server info");
        await Assert.That(PluginOf(before).GetProperty("enabled").GetBoolean()).IsFalse();
        await Assert.That(PluginOf(before).Str("msg")).Contains("server plugin enable");
        // Every key server info had is still there.
        await Assert.That(before.Data().GetProperty("server").TryGetProperty("lobby", out _)).IsTrue();

        var enabled = await ws.AskAsync("server plugin enable");
        await Assert.That(enabled.Data().Str("note")).Contains("server configuration write");
        var diff = (await ws.AskAsync("server configuration show")).Data().Str("diff");
        await Assert.That(diff).Contains("+UDP_PLUGIN_LOCAL_PORT=");
        await Assert.That(diff).Contains("+UDP_PLUGIN_ADDRESS=127.0.0.1:");
        await Assert.That(File.ReadAllText(folder.Cfg("server_cfg.ini"))).Contains("UDP_PLUGIN_LOCAL_PORT=0");

        await Assert.That((await ws.AskAsync("server configuration write")).IsError()).IsFalse();
        var after = PluginOf(await ws.AskAsync("server info"));
        int local = after.GetProperty("local_port").GetInt32();
        var address = IPEndPoint.Parse(after.Str("address"));
        await Assert.That((after.GetProperty("enabled").GetBoolean(), address.Address, local != address.Port)).IsEqualTo((true, IPAddress.Loopback, true));
        // Both are free UDP ports on loopback.
        using (new UdpClient(new IPEndPoint(IPAddress.Loopback, local)))
        using (new UdpClient(address)) { }
        await Assert.That((await ws.AskAsync("server plugin enable")).Data().Str("msg")).StartsWith("the UDP plugin is already enabled");
    }

    [Test]
    public async Task Tracker_start_refuses_a_stracker_that_would_bind_acws_plugin_port_and_says_the_fix()
    {
        using var folder = new TempServerFolder();
        TrackerTests.InstallStracker(folder.Root);
        var cfg = Ini.IniDocument.Load(folder.Cfg("server_cfg.ini"), "server_cfg.ini");
        cfg.Set("SERVER", "UDP_PLUGIN_LOCAL_PORT", "11000");
        cfg.Set("SERVER", "UDP_PLUGIN_ADDRESS", "127.0.0.1:12000");
        File.WriteAllBytes(folder.Cfg("server_cfg.ini"), cfg.ToBytes());
        await using var host = await AgentHost.StartAsync(folder.Root);
        await using var ws = await WsClient.ConnectAsync(host.Port);
        string ini = Path.Combine(folder.Root, "stracker", "stracker.ini");

        var refused = (await ws.AskAsync("tracker start")).ErrorMsg();
        await Assert.That(refused).IsEqualTo($"stracker would receive on acws's UDP plugin port 12000 ({ini}: [ACPLUGIN] rcvPort = -1, where -1 means UDP_PLUGIN_ADDRESS); "
            + "set rcvPort = a free port P and sendPort = 12000 there, and run acws with --plugin-forward 127.0.0.1:P; stracker not started");
        File.WriteAllText(ini, File.ReadAllText(ini).Replace("rcvPort = -1", "rcvPort = 12000"));
        await Assert.That((await ws.AskAsync("tracker start")).ErrorMsg()).Contains("rcvPort = 12000");
        await Assert.That((await ws.AskAsync("tracker status")).Data().GetProperty("tracker").GetProperty("running").GetBoolean()).IsFalse();

        // As the fix says: stracker on a port of its own starts.
        File.WriteAllText(ini, File.ReadAllText(ini).Replace("rcvPort = 12000", "rcvPort = 12001").Replace("sendPort = -1", "sendPort = 12000"));
        await Assert.That((await ws.AskAsync("tracker start")).IsError()).IsFalse();
        await ws.AskAsync("tracker stop");
    }
}

/// <summary>What keeps the link from opening, as <c>live</c> and the commands say it.</summary>
public class PluginLinkRefusedTests
{
    [Test]
    public async Task A_taken_plugin_port_leaves_the_server_running_without_a_link_and_says_why()
    {
        UdpClient? squatter = null;
        await using var rig = await PluginRig.StartAsync(beforeStart: r => squatter = new UdpClient(new IPEndPoint(IPAddress.Loopback, r.AddressPort)));
        using var _ = squatter;
        var live = (await rig.Admin.AskAsync("live")).Data().GetProperty("live").GetProperty("plugin");
        await Assert.That(live.GetProperty("linked").GetBoolean()).IsFalse();
        await Assert.That(live.Str("msg")).StartsWith($"no UDP plugin link: cannot receive on 127.0.0.1:{rig.AddressPort} (UDP_PLUGIN_ADDRESS): ");
        await Assert.That((await rig.Admin.AskAsync("kick 1")).ErrorMsg()).StartsWith("no UDP plugin link: cannot receive on");
        await Assert.That((await rig.Admin.AskAsync("server status")).Data().GetProperty("server").GetProperty("running").GetBoolean()).IsTrue();
    }

    [Test]
    public async Task Server_stop_closes_the_link_and_frees_its_port()
    {
        await using var rig = await PluginRig.StartAsync();
        await rig.SendAsync(new AcWs.Live.PluginMessage.Version(4));
        await rig.LiveWhenAsync(l => l.GetProperty("plugin").GetProperty("received").GetInt64() == 1);
        await Assert.That((await rig.Admin.AskAsync("server stop")).IsError()).IsFalse();
        var plugin = (await rig.Admin.AskAsync("live")).Data().GetProperty("live").GetProperty("plugin");
        await Assert.That(plugin.GetProperty("linked").GetBoolean()).IsFalse();
        await Assert.That(plugin.Str("msg")).IsEqualTo("no UDP plugin link: acServer is not running (acws opens the link when it starts it)");
        using var again = new UdpClient(new IPEndPoint(IPAddress.Loopback, rig.AddressPort));
        // And a new run opens it again.
        again.Dispose();
        await Assert.That((await rig.Admin.AskAsync("server start")).IsError()).IsFalse();
        await Assert.That((await rig.Admin.AskAsync("live")).Data().GetProperty("live").GetProperty("plugin").GetProperty("linked").GetBoolean()).IsTrue();
    }

    [Test]
    [Arguments("192.168.1.5:12000", "UDP_PLUGIN_ADDRESS in server_cfg.ini is '192.168.1.5:12000': acws receives on loopback only, so it must be 127.0.0.1:PORT")]
    [Arguments("12000", "UDP_PLUGIN_ADDRESS in server_cfg.ini is '12000', not IP:PORT")]
    [Arguments("", "the UDP plugin is off: server_cfg.ini sets neither UDP_PLUGIN_LOCAL_PORT nor UDP_PLUGIN_ADDRESS")]
    public async Task Server_info_says_what_is_wrong_with_the_keys(string address, string msg)
    {
        using var folder = new TempServerFolder();
        var cfg = Ini.IniDocument.Load(folder.Cfg("server_cfg.ini"), "server_cfg.ini");
        cfg.Set("SERVER", "UDP_PLUGIN_LOCAL_PORT", address.Length == 0 ? "0" : "11000");
        cfg.Set("SERVER", "UDP_PLUGIN_ADDRESS", address);
        File.WriteAllBytes(folder.Cfg("server_cfg.ini"), cfg.ToBytes());
        await using var host = await AgentHost.StartAsync(folder.Root);
        await using var ws = await WsClient.ConnectAsync(host.Port);
        var plugin = (await ws.AskAsync("server info")).Data().GetProperty("server").GetProperty("plugin");
        await Assert.That(plugin.Str("msg")).IsEqualTo(msg + "; send 'server plugin enable', then 'server configuration write'; it takes effect at the next server start");
        await Assert.That(plugin.GetProperty("enabled").GetBoolean()).IsFalse();
    }
}

public class PluginForwardOptionTests
{
    [Test]
    public async Task Plugin_forward_is_repeatable_and_takes_an_IPv4_address_and_port()
    {
        var o = Options.Parse(["--plugin-forward", "127.0.0.1:12001", "--plugin-forward", "localhost:12002"], _ => null);
        await Assert.That(o.PluginForward.Select(e => e.ToString())).IsEquivalentTo(["127.0.0.1:12001", "127.0.0.1:12002"]);
        foreach (var bad in new[] { "12001", "127.0.0.1", "127.0.0.1:0", "127.0.0.1:70000", "[::1]:12001", "stracker.local:12001" })
            await Assert.That(() => Options.Parse(["--plugin-forward", bad], _ => null)).Throws<UsageException>()
                .WithMessage($"--plugin-forward must be IP:PORT with an IPv4 address (or localhost) and a port 1-65535, got '{bad}'");
    }
}
