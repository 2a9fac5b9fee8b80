using AcWs.Files;
using AcWs.Ini;
using AcWs.Live;

namespace AcWs.Runtime;

/// <summary>
/// The server's registration with the Kunos lobby: one register call on request, and the automatic re-registration
/// when the server reports its registration lost (a few tries, with a growing wait). The state lives in
/// <see cref="Book"/>, shared with what the server's own lines say; outcomes nobody asked for are told through events.
/// </summary>
public sealed class LobbyRegistrar(Options options, ServerFolder folder, LogWriter log, ShutdownSignal shutdown, Func<string?> calledUrl)
{
    public const int Tries = 3;
    int reRegistering;
    long reRegisterStartedTicks;

    /// <summary>The lobby as the server's lines and acws's own registrations left it; outlives server runs.</summary>
    public LobbyBook Book { get; } = new();
    /// <summary>Whether acws re-registers by itself when the server reports the registration lost.</summary>
    public bool Auto => options.LobbyAuto;
    Timings Timings => options.Timings;

    /// <summary>An automatic re-registration succeeded (what to tell everyone).</summary>
    public event Action<string>? ReRegistered;
    /// <summary>An automatic re-registration was not possible or failed every try (why).</summary>
    public event Action<string>? ReRegisterFailed;

    /// <summary>One register call to the lobby; the answer updates <see cref="Book"/>.</summary>
    public async Task<LobbyAnswer> RegisterAsync(string url)
    {
        var answer = await LobbyClient.RegisterAsync(url, Timings.LobbyTimeout);
        bool lobbyRefused = !answer.Ok && answer.Msg.Contains("ERROR", StringComparison.OrdinalIgnoreCase);
        Book.Update(l => answer.Ok
            ? l with { Connected = true, Since = DateTime.UtcNow, UrlRegister = url, LastMsg = answer.Msg }
            : l with { Connected = l.Connected && !lobbyRefused, UrlRegister = url, LastMsg = answer.Msg });
        log.Write($"lobby registration {(answer.Ok ? "SUCCESS" : "FAILED")}: {answer.Msg}");
        return answer;
    }

    /// <summary>
    /// The address to register with: the one the server printed after <c>CALLING</c> in this run, else one built
    /// from server_cfg.ini on <c>--lobby-url</c>. Null with the reason when registering is off or impossible.
    /// </summary>
    public (string? Url, string? Refused) RegisterUrl(IniDocument? serverCfg)
    {
        if (serverCfg is null) return (null, $"{ServerFolder.ServerCfg} cannot be read");
        try
        {
            if (!ServerConfig.From(serverCfg).RegisterToLobby)
                return (null, $"REGISTER_TO_LOBBY=0 in {ServerFolder.ServerCfg}: this server does not register with the lobby (set REGISTER_TO_LOBBY=1 and restart the server)");
            if (calledUrl() is { } called) return (called, null);
            var (entryList, _) = folder.Load(ServerFolder.EntryListIni);
            return (LobbyUrl.Register(options.LobbyUrl, serverCfg, entryList), null);
        }
        catch (IniParseException e) { return (null, e.Message); }
    }

    /// <summary>
    /// The server lost its lobby registration: register again, up to <see cref="Tries"/> times with a growing wait.
    /// One such run at a time, and none within a quiet time of the last (acServer prints two error lines, and again
    /// on its next pings).
    /// </summary>
    public async Task ReRegisterAsync()
    {
        if (Interlocked.Exchange(ref reRegistering, 1) == 1) return;
        try
        {
            if (DateTime.UtcNow.Ticks - Interlocked.Read(ref reRegisterStartedTicks) < Timings.LobbyReRegisterQuiet.Ticks) return;
            Interlocked.Exchange(ref reRegisterStartedTicks, DateTime.UtcNow.Ticks);
            var (ini, _) = folder.Load(ServerFolder.ServerCfg);
            var (url, refused) = RegisterUrl(ini);
            if (url is null)
            {
                ReRegisterFailed?.Invoke($"automatic lobby re-registration not tried: {refused}");
                return;
            }
            var backoff = new Backoff(Timings.LobbyRetryDelay, TimeSpan.MaxValue);
            LobbyAnswer answer = new(false, "not tried");
            for (int attempt = 1; attempt <= Tries; attempt++)
            {
                if (attempt > 1)
                {
                    await Task.WhenAny(Task.Delay(backoff.Next()), shutdown.Requested);
                    if (shutdown.IsRequested) return;
                }
                answer = await RegisterAsync(url);
                if (answer.Ok)
                {
                    ReRegistered?.Invoke(attempt == 1 ? "lobby registration SUCCESS (automatic)" : $"lobby registration SUCCESS (automatic, try {attempt})");
                    return;
                }
            }
            ReRegisterFailed?.Invoke($"automatic lobby re-registration FAILED after {Tries} tries: {answer.Msg}");
        }
        finally { Volatile.Write(ref reRegistering, 0); }
    }
}
