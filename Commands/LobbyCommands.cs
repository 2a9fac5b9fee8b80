using AcWs.Ini;
using AcWs.Live;

namespace AcWs.Commands;

/// <summary><c>lobby …</c>: the server's registration with the Kunos lobby (the game's server list).</summary>
public static class LobbyCommands
{
    public static ValueTask<Reply> Info(Call call, Agent agent) =>
        ValueTask.FromResult(Reply.Ok(new LobbyInfoData(View(agent))));

    public static LobbyView View(Agent agent)
    {
        var l = agent.Lobby.State;
        string? since = Iso(l.Since);
        return new LobbyView(l.Connected, since, since, l.UrlRegister, l.UrlPing, l.LastMsg, agent.Options.LobbyAuto);
    }

    /// <summary>The lobby as it is now, as the event the original pushed (<c>{"lobby":{"event":{...}}}</c>).</summary>
    public static LobbyEvent EventOf(Agent agent, string msg) => EventOf(agent.Lobby.State, msg);

    public static LobbyEvent EventOf(LobbyState l, string msg) =>
        new(msg, l.Connected, l.Connected ? Iso(l.Since) : null, l.UrlRegister, l.UrlPing);

    static string? Iso(DateTime? t) => t?.ToString("o", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>An HTTP GET of the register address; the reply waits for the lobby (up to the timeout), other clients do not.</summary>
    public static async ValueTask<Reply> Restart(Call call, Agent agent)
    {
        var (url, refused) = RegisterUrl(agent, call.ServerCfg);
        if (url is null) return Reply.Fail(refused!);
        var answer = await agent.RegisterWithLobbyAsync(url);
        // The lobby's own refusal is passed on word for word: the original's clients match its exact text.
        // A refusal by the lobby is a change everyone should see (registered no more); a network error is not.
        if (!answer.Ok) return answer.FromLobby ? Reply.Fail(answer.Msg) with { Topic = "lobby" } : Reply.Fail($"lobby registration FAILED: {answer.Msg}");
        const string msg = "lobby registration SUCCESS";
        return Reply.Ok(new LobbyRegisteredData(msg, View(agent) with { Event = EventOf(agent, msg) })) with { Topic = "lobby" };
    }

    /// <summary>
    /// The address to register with: the one acServer printed after <c>CALLING</c> in this run, else one built
    /// from server_cfg.ini on <c>--lobby-url</c>. Null with the reason when registering is off or impossible.
    /// </summary>
    public static (string? Url, string? Refused) RegisterUrl(Agent agent, IniDocument? serverCfg)
    {
        if (serverCfg is null) return (null, $"{ServerFolder.ServerCfg} cannot be read");
        try
        {
            if (!ServerConfig.From(serverCfg).RegisterToLobby)
                return (null, $"REGISTER_TO_LOBBY=0 in {ServerFolder.ServerCfg}: this server does not register with the lobby (set REGISTER_TO_LOBBY=1 and restart the server)");
            if (agent.Live.CalledUrl is { } called) return (called, null);
            var (entryList, _) = agent.Folder.Load(ServerFolder.EntryListIni);
            return (LobbyUrl.Register(agent.Options.LobbyUrl, serverCfg, entryList), null);
        }
        catch (IniParseException e) { return (null, e.Message); }
    }
}
