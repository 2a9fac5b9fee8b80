using System.Globalization;
using AcWs.Files;
using AcWs.Ini;
using AcWs.Runtime;

namespace AcWs.Commands;

/// <summary><c>server …</c>: the Assetto Corsa server: its configuration (read fresh from its files) and its process.</summary>
public static class ServerCommands
{
    // The last reply of each read-only command, and what it derived from each file (see ReplyMemo).
    static readonly ReplyMemo infoReplies = new(), entriesReplies = new(), sessionsReplies = new();
    static readonly KeptBy<ServerConfig> configs = new((ini, _) => ServerConfig.From(ini));
    static readonly KeptBy<Dictionary<string, SessionView>> sessionViews = new(SessionViews);
    static readonly KeptBy<(Dictionary<string, EntryView>, string?)> entriesBySlot = new((ini, _) => EntriesBySlot(ini));
    static readonly KeptBy<Dictionary<string, EntryView>> entriesBySection = new((ini, _) => EntriesBySection(ini));
    static readonly KeptBy<PluginKeys> pluginKeys = new((ini, _) => PluginKeys.Of(ini));

    /// <summary><paramref name="call"/>'s server_cfg.ini is the folder's shared parse (the row is read-only), so what is derived from it is kept.</summary>
    public static ValueTask<Reply> Info(Call call) =>
        ValueTask.FromResult(infoReplies.Ok(new ServerInfoData(InfoOf(call.ServerCfg!, call, shared: true))));

    /// <summary>
    /// The server as <c>server info</c> shows it, from <paramref name="serverCfg"/> and what the running acServer printed.
    /// A missing or malformed entry_list.ini leaves <c>entries</c> empty and says why in <c>entries_error</c>.
    /// <paramref name="shared"/>: <paramref name="serverCfg"/> is never edited, so its derived parts may be kept.
    /// </summary>
    public static ServerInfo InfoOf(IniDocument serverCfg, Call call, bool shared = false)
    {
        var cfg = shared ? configs.Of(serverCfg) : ServerConfig.From(serverCfg);
        var server = call.Server;
        var status = StatusOf(server.Child);
        var output = server.Live;
        var (entries, entriesError) = EntriesBySlot(call.Folder);
        return new ServerInfo(
            Name: cfg.Name, Track: cfg.Track, ConfigTrack: cfg.ConfigTrack, Cars: cfg.Cars,
            HttpPort: cfg.HttpPort, TcpPort: cfg.TcpPort, UdpPort: cfg.UdpPort, MaxClients: cfg.MaxClients,
            RegisterToLobby: cfg.RegisterToLobby, HasPassword: cfg.HasPassword, HasAdminPassword: cfg.HasAdminPassword,
            Sessions: shared ? sessionViews.Of(serverCfg, status.Running ? output.Session?.Type : null) : SessionViews(serverCfg, status.Running ? output.Session?.Type : null),
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
            ExtraCfg: ExtraCfg.Read(call.Folder) is var (present, udp) ? new ExtraCfgView(present, udp) : null,
            Plugin: ServerPluginView.Of(shared ? pluginKeys.Of(serverCfg) : PluginKeys.Of(serverCfg), server.Plugin));
    }

    /// <summary>entry_list.ini's slots keyed by slot number ("0" for CAR_0), as the original's <c>server info</c> has them.</summary>
    static (Dictionary<string, EntryView> Entries, string? Error) EntriesBySlot(ServerFolder folder)
    {
        var (ini, error) = folder.Peek(ServerFolder.EntryListIni);
        return ini is null ? ([], error) : entriesBySlot.Of(ini);
    }

    static (Dictionary<string, EntryView> Entries, string? Error) EntriesBySlot(IniDocument ini)
    {
        var entries = new Dictionary<string, EntryView>();
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

    /// <summary>Read-only row: <paramref name="call"/>'s entry_list.ini is the folder's shared parse.</summary>
    public static ValueTask<Reply> Entries(Call call) =>
        ValueTask.FromResult(entriesReplies.Ok(new EntriesData(entriesBySection.Of(call.EntryList!))));

    static Dictionary<string, EntryView> EntriesBySection(IniDocument entryList)
    {
        var entries = new Dictionary<string, EntryView>();
        foreach (var slot in EntryList.From(entryList)) entries[slot.Section] = ViewOf(slot);
        return entries;
    }

    /// <summary>Read-only row: <paramref name="call"/>'s server_cfg.ini is the folder's shared parse.</summary>
    public static ValueTask<Reply> Sessions(Call call)
    {
        string? active = call.Server.IsRunning ? call.Server.Live.Session?.Type : null;
        return ValueTask.FromResult(sessionsReplies.Ok(new SessionsData(sessionViews.Of(call.ServerCfg!, active))));
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
