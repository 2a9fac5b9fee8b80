using AcWs.Live;
using AcWs.Runtime;

namespace AcWs.Commands;

/// <summary><c>lobby …</c>: the server's registration with the Kunos lobby (the game's server list).</summary>
public static class LobbyCommands
{
    public static ValueTask<Reply> Info(Call call) =>
        ValueTask.FromResult(Reply.Ok(new LobbyInfoData(View(call.Lobby))));

    public static LobbyView View(LobbyRegistrar lobby)
    {
        var l = lobby.Book.State;
        string? since = Iso(l.Since);
        return new LobbyView(l.Connected, since, since, l.UrlRegister, l.UrlPing, l.LastMsg, lobby.Auto);
    }

    /// <summary>The lobby as it is now, as the event the original pushed (<c>{"lobby":{"event":{...}}}</c>).</summary>
    public static LobbyEvent EventOf(LobbyState l, string msg) =>
        new(msg, l.Connected, l.Connected ? Iso(l.Since) : null, l.UrlRegister, l.UrlPing);

    static string? Iso(DateTime? t) => t?.ToString("o", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>An HTTP GET of the register address; the reply waits for the lobby (up to the timeout), other clients do not.</summary>
    public static async ValueTask<Reply> Restart(Call call)
    {
        var lobby = call.Lobby;
        var (url, refused) = lobby.RegisterUrl(call.ServerCfg);
        if (url is null) return Reply.Fail(refused!);
        var answer = await lobby.RegisterAsync(url);
        // The lobby's own refusal is passed on word for word: the original's clients match its exact text.
        // A refusal by the lobby is a change everyone should see (registered no more); a network error is not.
        if (!answer.Ok) return answer.FromLobby ? Reply.Fail(answer.Msg) with { Topic = "lobby" } : Reply.Fail($"lobby registration FAILED: {answer.Msg}");
        const string msg = "lobby registration SUCCESS";
        return Reply.Ok(new LobbyRegisteredData(msg, View(lobby) with { Event = EventOf(lobby.Book.State, msg) })) with { Topic = "lobby" };
    }
}
