using System.Globalization;
using AcWs.Ini;

namespace AcWs.Commands;

/// <summary><c>server …</c>: the Assetto Corsa server: its configuration (read fresh from its files) and its process.</summary>
public static class ServerCommands
{
    public static ValueTask<Reply> Info(Call call, Agent agent)
    {
        var cfg = ServerConfig.From(call.ServerCfg!);
        var status = StatusOf(agent.AcServer);
        var info = new ServerInfo(
            Name: cfg.Name, Track: cfg.Track, ConfigTrack: cfg.ConfigTrack, Cars: cfg.Cars,
            HttpPort: cfg.HttpPort, TcpPort: cfg.TcpPort, UdpPort: cfg.UdpPort, MaxClients: cfg.MaxClients,
            RegisterToLobby: cfg.RegisterToLobby, HasPassword: cfg.HasPassword, HasAdminPassword: cfg.HasAdminPassword,
            Sessions: [.. cfg.Sessions.Select(s => ServerConfig.DefaultName(s.Section))],
            Running: status.Running, Pid: status.Pid,
            Version: status.Running ? agent.AcServerOutput.Version : null,
            StartedAt: status.StartedAt, UptimeS: status.UptimeS,
            DriversConnected: status.Running ? agent.AcServerOutput.DriverCount : 0,
            ForeignProcess: agent.ForeignProcessNow(),
            Tracker: TrackerCommands.StatusOf(agent.Stracker));
        return ValueTask.FromResult(Reply.Ok(new ServerInfoData(info)));
    }

    static ServerStatus StatusOf(Supervisor child)
    {
        // One read of the start time, so running/pid/uptime agree even if it stops meanwhile.
        var started = child.StartedAt;
        var pid = child.Pid;
        if (started is null || pid is null) return new ServerStatus(false, null, null, null);
        return new ServerStatus(true, pid, started.Value.ToString("o", CultureInfo.InvariantCulture),
            (long)(DateTime.Now - started.Value).TotalSeconds);
    }

    public static ValueTask<Reply> Status(Call call, Agent agent) =>
        ValueTask.FromResult(Reply.Ok(new ServerStatusData(StatusOf(agent.AcServer))));

    public static ValueTask<Reply> Drivers(Call call, Agent agent)
    {
        var drivers = new Dictionary<string, DriverView>();
        if (agent.AcServerRunning)
            foreach (var d in agent.AcServerOutput.Drivers.Values.OrderBy(d => d.Since))
                drivers[d.Name] = DriverView.Of(d, "joining");
        return ValueTask.FromResult(Reply.Ok(new DriversData(drivers)));
    }

    const string Started = "Assetto Corsa server started";
    const string Stopped = "Assetto Corsa server stopped";

    static Reply StateChanged(string msg) =>
        new() { Data = new MsgData(msg), Broadcast = new ServerEventData(new ServerEventBody(new ServerEvent(msg))) };

    /// <summary>The child's first lines (its startup event) are pushed only after this reply has gone out.</summary>
    public static async ValueTask<Reply> Start(Call call, Agent agent)
    {
        agent.CancelCrashRestart();
        var error = await agent.AcServer.StartAsync(agent.ProbeForeignProcessAsync, holdOutput: true);
        return (error is null ? StateChanged(Started) : Reply.Fail(error)) with { AfterSent = agent.AcServer.ReleaseOutput };
    }

    public static async ValueTask<Reply> Stop(Call call, Agent agent)
    {
        bool restartCancelled = agent.CancelCrashRestart();
        if (await agent.AcServer.StopAsync() is not { } error) return StateChanged(Stopped);
        return restartCancelled ? StateChanged($"{error}; the restart scheduled after its crash is cancelled") : Reply.Fail(error);
    }

    public static ValueTask<Reply> Restart(Call call, Agent agent) =>
        RestartChild(agent.AcServer, StateChanged(Stopped), () => Start(call, agent));

    /// <summary>Stop (if running), then start: one reply per step. Serves <c>server restart</c> and <c>tracker restart</c>.</summary>
    public static async ValueTask<Reply> RestartChild(Supervisor child, Reply stoppedReply, Func<ValueTask<Reply>> start)
    {
        Reply? stopped = child.IsRunning && await child.StopAsync() is null ? stoppedReply : null;
        var started = await start();
        return stopped is null ? started : stopped with { Then = started };
    }

    public static ValueTask<Reply> Entries(Call call, Agent agent)
    {
        var entries = new Dictionary<string, EntryView>();
        foreach (var slot in EntryList.From(call.EntryList!))
            entries[slot.Section] = new EntryView(slot.Section, slot.Model, slot.Skin, slot.SpectatorMode,
                slot.DriverName, slot.Team, slot.Guid, slot.Ballast, slot.Restrictor);
        return ValueTask.FromResult(Reply.Ok(new EntriesData(entries)));
    }

    public static ValueTask<Reply> Sessions(Call call, Agent agent)
    {
        string? active = agent.AcServerRunning ? agent.AcServerOutput.Session?.Type : null;
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
