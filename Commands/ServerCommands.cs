using System.Globalization;
using AcWs.Files;
using AcWs.Ini;
using AcWs.Runtime;

namespace AcWs.Commands;

/// <summary><c>server …</c>: the Assetto Corsa server: its configuration (read fresh from its files) and its process.</summary>
public static class ServerCommands
{
    public static ValueTask<Reply> Info(Call call) =>
        ValueTask.FromResult(Reply.Ok(new ServerInfoData(InfoOf(call.ServerCfg!, call))));

    /// <summary>
    /// The server as <c>server info</c> shows it, from <paramref name="serverCfg"/> and what the running acServer printed.
    /// A missing or malformed entry_list.ini leaves <c>entries</c> empty and says why in <c>entries_error</c>.
    /// </summary>
    public static ServerInfo InfoOf(IniDocument serverCfg, Call call)
    {
        var cfg = ServerConfig.From(serverCfg);
        var server = call.Server;
        var status = StatusOf(server.Child);
        var output = server.Live;
        var (entries, entriesError) = EntriesBySlot(call.Folder);
        return new ServerInfo(
            Name: cfg.Name, Track: cfg.Track, ConfigTrack: cfg.ConfigTrack, Cars: cfg.Cars,
            HttpPort: cfg.HttpPort, TcpPort: cfg.TcpPort, UdpPort: cfg.UdpPort, MaxClients: cfg.MaxClients,
            RegisterToLobby: cfg.RegisterToLobby, HasPassword: cfg.HasPassword, HasAdminPassword: cfg.HasAdminPassword,
            Sessions: SessionViews(serverCfg, status.Running ? output.Session?.Type : null),
            Entries: entries,
            ChildIniFile: ServerFolder.ServerCfg,
            Running: status.Running, Pid: status.Pid,
            Version: status.Running ? output.Version : null,
            Timestamp: status.Running ? output.Timestamp ?? status.StartedAt : null,
            StartedAt: status.StartedAt, UptimeS: status.UptimeS,
            DriversConnected: status.Running ? output.DriverCount : 0,
            ForeignProcess: server.ForeignProcessNow(),
            Lobby: LobbyCommands.View(call.Lobby),
            Tracker: TrackerCommands.StatusOf(call.Tracker),
            EntriesError: entriesError,
            // Which server runs, once its first lines said so; AssettoServer's own settings file.
            Kind: status.Running ? output.Kind : null,
            ExtraCfg: ExtraCfg.Read(call.Folder.PathOf(ExtraCfg.Relative)) is var (present, udp) ? new ExtraCfgView(present, udp) : null,
            Plugin: ServerPluginView.Of(PluginKeys.Of(serverCfg), server.Plugin));
    }

    /// <summary>entry_list.ini's slots keyed by slot number ("0" for CAR_0), as the original's <c>server info</c> has them.</summary>
    static (Dictionary<string, EntryView> Entries, string? Error) EntriesBySlot(ServerFolder folder)
    {
        var entries = new Dictionary<string, EntryView>();
        var (ini, error) = folder.Load(ServerFolder.EntryListIni);
        if (ini is null) return (entries, error);
        try
        {
            foreach (var slot in EntryList.From(ini))
                entries[slot.Index.ToString(CultureInfo.InvariantCulture)] = ViewOf(slot);
        }
        catch (IniParseException e) { return ([], e.Message); }
        return (entries, null);
    }

    static EntryView ViewOf(EntrySlot slot) => new(slot.Section, slot.Model, slot.Skin, slot.SpectatorMode,
        slot.DriverName, slot.Team, slot.Guid, slot.Ballast, slot.Restrictor);

    static ServerStatus StatusOf(Supervisor child)
    {
        // One read of the start time, so running/pid/uptime agree even if it stops meanwhile.
        var started = child.StartedAt;
        var pid = child.Pid;
        if (started is null || pid is null) return new ServerStatus(false, null, null, null);
        return new ServerStatus(true, pid, started.Value.ToString("o", CultureInfo.InvariantCulture),
            (long)(DateTime.Now - started.Value).TotalSeconds);
    }

    public static ValueTask<Reply> Status(Call call) =>
        ValueTask.FromResult(Reply.Ok(new ServerStatusData(StatusOf(call.Server.Child))));

    public static ValueTask<Reply> Drivers(Call call)
    {
        var drivers = new Dictionary<string, DriverView>();
        if (call.Server.IsRunning)
            foreach (var d in call.Server.Live.Drivers.Values.OrderBy(d => d.Since))
                drivers[d.Name] = DriverView.Of(d, "joining");
        return ValueTask.FromResult(Reply.Ok(new DriversData(drivers)));
    }

    // The original's words: its clients match these texts exactly.
    public const string StartedMsg = "Assetto Corsa server started";
    public const string StoppedMsg = "Assetto Corsa server stopped";

    static Reply StateChanged(string msg) => Reply.Msg(msg) with { Topic = "server" };

    /// <summary>The child's first lines (its startup event) are pushed only after this reply has gone out.</summary>
    public static async ValueTask<Reply> Start(Call call)
    {
        var error = await call.Server.StartAsync(holdOutput: true);
        return (error is null ? StateChanged(StartedMsg) : Reply.Fail(error)) with { AfterSent = call.Server.Child.ReleaseOutput };
    }

    public static async ValueTask<Reply> Stop(Call call)
    {
        bool restartCancelled = call.Server.CancelCrashRestart();
        if (await call.Server.Child.StopAsync() is not { } error) return StateChanged(StoppedMsg);
        return restartCancelled ? StateChanged($"{error}; the restart scheduled after its crash is cancelled") : Reply.Fail(error);
    }

    public static ValueTask<Reply> Restart(Call call) =>
        RestartChild(call.Server.Child, StateChanged(StoppedMsg), () => Start(call));

    /// <summary>Stop (if running), then start: one reply per step. Serves <c>server restart</c> and <c>tracker restart</c>.</summary>
    public static async ValueTask<Reply> RestartChild(Supervisor child, Reply stoppedReply, Func<ValueTask<Reply>> start)
    {
        Reply? stopped = child.IsRunning && await child.StopAsync() is null ? stoppedReply : null;
        var started = await start();
        return stopped is null ? started : stopped with { Then = started };
    }

    public static ValueTask<Reply> Entries(Call call)
    {
        var entries = new Dictionary<string, EntryView>();
        foreach (var slot in EntryList.From(call.EntryList!)) entries[slot.Section] = ViewOf(slot);
        return ValueTask.FromResult(Reply.Ok(new EntriesData(entries)));
    }

    public static ValueTask<Reply> Sessions(Call call)
    {
        string? active = call.Server.IsRunning ? call.Server.Live.Session?.Type : null;
        return ValueTask.FromResult(Reply.Ok(new SessionsData(SessionViews(call.ServerCfg!, active))));
    }

    /// <summary>
    /// Each session section present, keyed Practice/Qualify/Race/Booking, as <c>server sessions</c> shows them;
    /// <paramref name="active"/> is the type acServer is running now, if any.
    /// </summary>
    public static Dictionary<string, SessionView> SessionViews(IniDocument serverCfg, string? active = null)
    {
        var sessions = new Dictionary<string, SessionView>();
        foreach (var s in ServerConfig.From(serverCfg).Sessions)
        {
            string type = ServerConfig.DefaultName(s.Section);
            sessions[type] = new SessionView(type, s.Name, s.Laps, s.Time, s.IsOpen, s.WaitTime, Active: type == active, Msg: "");
        }
        return sessions;
    }
}
