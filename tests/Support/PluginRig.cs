using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using AcWs.Live;

namespace AcWs.Tests.Support;

/// <summary>
/// The real agent with its UDP plugin link up, and the test playing acServer's side of it: a real UdpClient bound on
/// 127.0.0.1:UDP_PLUGIN_LOCAL_PORT (where acServer would listen and send from). The server acws starts is a child
/// that only sleeps, so nothing else speaks on those ports. <see cref="Admin"/> asks commands; <see cref="Watcher"/>
/// only listens to pushed events.
/// </summary>
public sealed class PluginRig : IAsyncDisposable
{
    public StandInFolder Folder { get; }
    public AgentHost Host { get; private set; } = null!;
    public UdpClient Server { get; }
    public WsClient Admin { get; private set; } = null!;
    public WsClient Watcher { get; private set; } = null!;
    public int LocalPort { get; }
    public int AddressPort { get; }
    public IPEndPoint Acws => new(IPAddress.Loopback, AddressPort);

    PluginRig(string script)
    {
        Folder = new StandInFolder(withExecutable: false);
        Folder.WriteScript("acServer", script);
        Server = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        LocalPort = ((IPEndPoint)Server.Client.LocalEndPoint!).Port;
        AddressPort = StandInFolder.FreePort();
        var ini = Ini.IniDocument.Load(Folder.Cfg("server_cfg.ini"), "server_cfg.ini");
        // Nothing listens on a privileged port, so the check for a server acws did not start never finds one here,
        // while the free ports StandInFolder picked may be handed to another test's listener meanwhile.
        foreach (var key in new[] { "TCP_PORT", "UDP_PORT", "HTTP_PORT" }) ini.Set("SERVER", key, "1");
        File.WriteAllBytes(Folder.Cfg("server_cfg.ini"), ini.ToBytes());
        Folder.UsePluginPorts(LocalPort, AddressPort);
    }

    /// <param name="script">The server's shell script: by default it only sleeps.</param>
    /// <param name="beforeStart">Runs before acws starts the server (e.g. to take acws's port first).</param>
    public static async Task<PluginRig> StartAsync(IReadOnlyList<IPEndPoint>? forward = null, Timings? timings = null, string script = "exec sleep 3600",
        Action<PluginRig>? beforeStart = null)
    {
        var rig = new PluginRig(script);
        rig.Host = await AgentHost.StartAsync(new Options
        {
            Dir = rig.Folder.Root, Port = 0, PluginForward = forward ?? [], Timings = timings ?? new Timings(),
        });
        rig.Admin = await WsClient.ConnectAsync(rig.Host.Port);
        rig.Watcher = await WsClient.ConnectAsync(rig.Host.Port);
        beforeStart?.Invoke(rig);
        var started = await rig.Admin.AskAsync("server start");
        if (started.IsError()) throw new Exception("server start: " + started);
        return rig;
    }

    /// <summary>Sends from acServer's port to acws's.</summary>
    public Task SendAsync(byte[] datagram) => Server.SendAsync(datagram, datagram.Length, Acws);

    public Task SendAsync(PluginMessage message) => SendAsync(PluginServerSide.Encode(message));

    /// <summary>The next datagram acws sends to acServer's port that satisfies <paramref name="match"/>.</summary>
    public async Task<byte[]> ReceiveAsync(Func<byte[], bool> match) => await ReceiveFrom(Server, match);

    public static async Task<byte[]> ReceiveFrom(UdpClient socket, Func<byte[], bool> match)
    {
        using var deadline = new CancellationTokenSource(WsClient.Timeout);
        while (true)
        {
            var got = await socket.ReceiveAsync(deadline.Token);
            if (match(got.Buffer)) return got.Buffer;
        }
    }

    /// <summary>The next pushed event of <paramref name="topic"/> (its payload), from the watcher.</summary>
    public async Task<JsonElement> EventAsync(string topic, Func<JsonElement, bool>? match = null)
    {
        var frame = await Watcher.ReceiveUntilAsync(f => WsClient.TopicOf(f) == topic && (match is null || match(f.Data().GetProperty(topic))));
        return frame.Data().GetProperty(topic);
    }

    /// <summary>The <c>live</c> table once it satisfies <paramref name="until"/> (datagrams are taken in the background).</summary>
    public async Task<JsonElement> LiveWhenAsync(Func<JsonElement, bool> until)
    {
        var deadline = DateTime.UtcNow + WsClient.Timeout;
        while (true)
        {
            var live = (await Admin.AskAsync("live")).Data().GetProperty("live");
            if (until(live)) return live;
            if (DateTime.UtcNow > deadline) throw new TimeoutException("live never became as expected: " + live);
            await Task.Delay(20);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Admin.DisposeAsync();
        await Watcher.DisposeAsync();
        await Host.DisposeAsync();
        Server.Dispose();
        Folder.Dispose();
    }
}
