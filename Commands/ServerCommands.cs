using AcWs.Ini;

namespace AcWs.Commands;

/// <summary><c>server …</c>: what the Assetto Corsa server is configured to be, read fresh from its files.</summary>
public static class ServerCommands
{
    public static ValueTask<Reply> Info(Call call, Agent agent)
    {
        var cfg = ServerConfig.From(call.ServerCfg!);
        var info = new ServerInfo(
            Name: cfg.Name, Track: cfg.Track, ConfigTrack: cfg.ConfigTrack, Cars: cfg.Cars,
            HttpPort: cfg.HttpPort, TcpPort: cfg.TcpPort, UdpPort: cfg.UdpPort, MaxClients: cfg.MaxClients,
            RegisterToLobby: cfg.RegisterToLobby, HasPassword: cfg.HasPassword, HasAdminPassword: cfg.HasAdminPassword,
            Sessions: [.. cfg.Sessions.Select(s => ServerConfig.DefaultName(s.Section))],
            Running: false);
        return ValueTask.FromResult(Reply.Ok(new ServerInfoData(info)));
    }

    public static ValueTask<Reply> Entries(Call call, Agent agent)
    {
        var entries = new Dictionary<string, EntryView>();
        foreach (var slot in EntryList.From(call.EntryList!))
            entries[slot.Section] = new EntryView(slot.Section, slot.Model, slot.Skin, slot.SpectatorMode,
                slot.DriverName, slot.Team, slot.Guid, slot.Ballast, slot.Restrictor);
        return ValueTask.FromResult(Reply.Ok(new EntriesData(entries)));
    }

    public static ValueTask<Reply> Sessions(Call call, Agent agent) =>
        ValueTask.FromResult(Reply.Ok(new SessionsData(SessionViews(call.ServerCfg!))));

    /// <summary>Each session section present, keyed Practice/Qualify/Race/Booking, as <c>server sessions</c> shows them.</summary>
    public static Dictionary<string, SessionView> SessionViews(IniDocument serverCfg)
    {
        var sessions = new Dictionary<string, SessionView>();
        foreach (var s in ServerConfig.From(serverCfg).Sessions)
        {
            string type = ServerConfig.DefaultName(s.Section);
            sessions[type] = new SessionView(type, s.Name, s.Laps, s.Time, s.IsOpen, s.WaitTime, Active: false, Msg: "");
        }
        return sessions;
    }
}
