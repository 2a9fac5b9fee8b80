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
