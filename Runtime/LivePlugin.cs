using System.Globalization;
using System.Net;
using System.Net.Sockets;
using AcWs.Files;
using AcWs.Ini;
using AcWs.Live;

namespace AcWs.Runtime;

/// <summary>
/// server_cfg.ini's two UDP plugin keys: <c>UDP_PLUGIN_LOCAL_PORT</c> (acServer listens there for commands) and
/// <c>UDP_PLUGIN_ADDRESS</c> (acServer sends events there: acws's port). <see cref="Error"/> says what is wrong when
/// they are missing or not usable.
/// </summary>
public sealed record PluginKeys(int? LocalPort, string? Address, int? AddressPort, string? Error)
{
    public const string LocalPortKey = "UDP_PLUGIN_LOCAL_PORT", AddressKey = "UDP_PLUGIN_ADDRESS";
    public const string HowToEnable = "send 'server plugin enable', then 'server configuration write'; it takes effect at the next server start";

    public bool Set => Error is null;

    public static PluginKeys Of(IniDocument serverCfg)
    {
        string? local = serverCfg.Get(ServerConfig.Server, LocalPortKey)?.Trim(), address = serverCfg.Get(ServerConfig.Server, AddressKey)?.Trim();
        int? localPort = Port(local), addressPort = null;
        bool loopback = true;
        if (address is { Length: > 0 } && IPEndPoint.TryParse(address, out var at) && at.Port is > 0 and <= 65535 && address.Contains(':'))
            (addressPort, loopback) = (at.Port, IPAddress.IsLoopback(at.Address));
        // Kunos's own files say off as UDP_PLUGIN_LOCAL_PORT=0 and an empty UDP_PLUGIN_ADDRESS.
        string? error = (local is null or "" or "0") && (address is null or "")
            ? $"the UDP plugin is off: server_cfg.ini sets neither {LocalPortKey} nor {AddressKey}"
            : localPort is null ? $"{LocalPortKey} in server_cfg.ini is '{local}', not a port"
            : addressPort is null ? $"{AddressKey} in server_cfg.ini is '{address}', not IP:PORT"
            : !loopback ? $"{AddressKey} in server_cfg.ini is '{address}': acws receives on loopback only, so it must be 127.0.0.1:PORT"
            : null;
        return new(localPort, address is { Length: > 0 } ? address : null, addressPort, error);
    }

    static int? Port(string? text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int p) && p is > 0 and <= 65535 ? p : null;
}

/// <summary>
/// The live side of the UDP plugin, for the server runs acws starts: opens a <see cref="PluginLink"/> when a run
/// starts with both keys set, closes it when the run ends, and feeds what it hears through a fresh
/// <see cref="LiveTiming"/> per run to <see cref="Heard"/>.
/// </summary>
public sealed class LivePlugin(Options options, ServerFolder folder, LogWriter log)
{
    readonly Lock gate = new();
    PluginLink? link;

    public LiveTiming Timing { get; private set; } = new();
    public PluginLink? Link { get { lock (gate) return link; } }
    string? openError;

    /// <summary>Why there is no link now: the keys are missing or wrong (and how to set them), the port is taken, or acServer is not running.</summary>
    public string WhyNotLinked()
    {
        if (openError is { } error) return error;
        var (ini, loadError) = folder.Load(ServerFolder.ServerCfg);
        if (ini is null) return loadError ?? "";
        var keys = PluginKeys.Of(ini);
        return keys.Set ? "acServer is not running (acws opens the link when it starts it)" : $"{keys.Error}; {PluginKeys.HowToEnable}";
    }

    /// <summary>What an admin sent, for every client as a chat event (acServer does not echo it).</summary>
    public void Echo(LiveEvent sent) => Heard?.Invoke(sent);

    /// <summary>What the link heard, as the timing state made it (on the link's receive loop).</summary>
    public event Action<LiveEvent>? Heard;

    /// <summary>A server run is starting: a fresh table, and a link if server_cfg.ini asks for one.</summary>
    public void Open()
    {
        Close();
        var (ini, error) = folder.Load(ServerFolder.ServerCfg);
        var keys = ini is null ? null : PluginKeys.Of(ini);
        lock (gate)
        {
            Timing = new LiveTiming();
            if (keys is not { Set: true })
            {
                openError = $"{keys?.Error ?? error}; {PluginKeys.HowToEnable}";
                return;
            }
            try
            {
                var timing = Timing;
                link = new PluginLink(keys.AddressPort!.Value, keys.LocalPort!.Value, options.PluginForward, log, options.Timings);
                link.Heard += m =>
                {
                    foreach (var e in timing.Apply(m)) Heard?.Invoke(e);
                };
                log.Write($"plugin link: receiving on {link.Address}, commands to 127.0.0.1:{link.LocalPort}"
                    + (options.PluginForward.Count > 0 ? $", forwarding to {string.Join(", ", link.Forward)}" : ""));
            }
            catch (SocketException e)
            {
                openError = $"cannot receive on 127.0.0.1:{keys.AddressPort} ({PluginKeys.AddressKey}): {e.Message}";
                log.Write($"plugin link: {openError}");
            }
        }
    }

    /// <summary>
    /// Why stracker must not start now, or null: with both keys set, acws receives on UDP_PLUGIN_ADDRESS's port,
    /// and stracker.ini's [ACPLUGIN] rcvPort of -1 (UDP_PLUGIN_ADDRESS) or that port would make stracker bind it too.
    /// </summary>
    public string? StrackerConflict()
    {
        var (cfg, _) = folder.Load(ServerFolder.ServerCfg);
        if (cfg is null || PluginKeys.Of(cfg) is not { Set: true, AddressPort: int acwsPort }) return null;
        var (spec, _) = StrackerLauncher.Resolve(options, folder);
        int at = spec is null ? -1 : spec.Args.ToList().IndexOf("--stracker_ini");
        if (spec is null || at < 0 || at + 1 >= spec.Args.Count) return null;
        string path = Path.Combine(spec.WorkingDirectory, spec.Args[at + 1]);
        IniDocument ini;
        try { ini = IniDocument.Load(path, StrackerLauncher.Ini); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or IniParseException) { return null; }
        string? rcv = ini.Get("ACPLUGIN", "rcvPort")?.Trim();
        if (rcv is not null && rcv != "-1" && rcv != acwsPort.ToString(CultureInfo.InvariantCulture)) return null;
        string downstream = options.PluginForward.Count > 0 ? options.PluginForward[0].Port.ToString(CultureInfo.InvariantCulture) : "a free port P";
        return $"stracker would receive on acws's UDP plugin port {acwsPort} ({path}: [ACPLUGIN] rcvPort = {rcv ?? "-1 (not set)"}, "
            + $"where -1 means {PluginKeys.AddressKey}); set rcvPort = {downstream} and sendPort = {acwsPort} there, and run acws with "
            + $"--plugin-forward 127.0.0.1:{(options.PluginForward.Count > 0 ? downstream : "P")}; stracker not started";
    }

    /// <summary>The run is over: the link closes (commands waiting get an error).</summary>
    public void Close()
    {
        lock (gate)
        {
            link?.Dispose();
            link = null;
            openError = null;
        }
    }
}
