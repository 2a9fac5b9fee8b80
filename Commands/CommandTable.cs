namespace AcWs.Commands;

/// <summary>What a command needs before it runs; the dispatcher checks these once, with one wording.</summary>
[Flags]
public enum Needs
{
    Nothing = 0,
    /// <summary>cfg/server_cfg.ini must exist and parse; handed to the handler as <see cref="Call.ServerCfg"/>.</summary>
    ServerCfg = 1,
    /// <summary>cfg/entry_list.ini must exist and parse; handed to the handler as <see cref="Call.EntryList"/>.</summary>
    EntryList = 2,
    /// <summary>
    /// It changes a file acServer reads only when it starts: while acServer runs, the dispatcher hands the handler
    /// <see cref="Call.NextStartNote"/> for its reply.
    /// </summary>
    ChangesFiles = 4,
}

public delegate ValueTask<Reply> Handler(Call call);

/// <summary>
/// One row of the command table. <see cref="Words"/> is what the client types; <see cref="Args"/> is the
/// argument pattern (<c>&lt;x&gt;</c> required, <c>[x]</c> optional, a last <c>&lt;x…&gt;</c> the rest of the line as one
/// argument, spacing kept) from which arity is derived;
/// <see cref="Needs"/> what must hold before it runs; <see cref="Uses"/> the rooms its handler gets.
/// </summary>
/// <remarks>
/// <see cref="ReadOnly"/>: it only reads what acws holds (parsed files, live state); it is answered on the thread
/// that received it, with the folder's shared parse of a file instead of a copy, while that file is parsed and
/// unchanged. Reading, parsing, hashing, HTTP and process work first call <see cref="Files.NonBlocking.Check"/>,
/// which sends the command to the worker pool instead: a blocked socket thread would hold up every connection it serves.
/// </remarks>
public sealed record Command(string Words, string Args, Handler Run, Needs Needs, Uses Uses, string Help, string? AliasOf = null, bool ReadOnly = false)
{
    public string[] WordList { get; } = Words.Split(' ');
    public int MinArgs { get; } = Args.Split(' ', StringSplitOptions.RemoveEmptyEntries).Count(a => a.StartsWith('<'));
    public int MaxArgs { get; } = Args.EndsWith("…>", StringComparison.Ordinal) ? int.MaxValue : Args.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
    /// <summary>The last argument is the rest of the line, whole (a chat message, an admin command).</summary>
    public bool TakesRest => MaxArgs == int.MaxValue;
    public string Usage => Args.Length == 0 ? Words : Words + " " + Args;
}

/// <summary>
/// Every command AcWs answers, one row each, read top to bottom. Aliases are rows of their own.
/// To add a command: write a static handler, add its row here, document it in the README.
/// </summary>
public static class CommandTable
{
    public static readonly Command[] Rows =
    [
        new("help",            "", AgentCommands.Help,        Needs.Nothing,   Uses.Nothing,  "lists every command with a one-line description", ReadOnly: true),
        new("shutdown now",    "", AgentCommands.ShutdownNow, Needs.Nothing,   Uses.Shutdown, "stops acws (and any server it started) and closes every connection"),

        new("server info",     "", ServerCommands.Info,       Needs.ServerCfg, Uses.Info,     "shows a summary of the server", ReadOnly: true),
        new("server entries",  "", ServerCommands.Entries,    Needs.EntryList, Uses.Nothing,  "shows a summary of the entry_list.ini contents", ReadOnly: true),
        new("server sessions", "", ServerCommands.Sessions,   Needs.ServerCfg, Uses.Server,   "shows a summary of configured sessions", ReadOnly: true),
        new("server drivers",  "", ServerCommands.Drivers,    Needs.Nothing,   Uses.Server,   "shows a summary of the active drivers on the server", ReadOnly: true),
        new("server status",   "", ServerCommands.Status,     Needs.Nothing,   Uses.Server,   "shows whether the AC server is running, its pid and uptime", ReadOnly: true),
        new("server start",    "", ServerCommands.Start,      Needs.Nothing,   Uses.Server,   "starts the AC server"),
        new("server stop",     "", ServerCommands.Stop,       Needs.Nothing,   Uses.Server,   "stops the AC server"),
        new("server restart",  "", ServerCommands.Restart,    Needs.Nothing,   Uses.Server,   "stops and starts the AC server"),

        new("server session",  ConfigCommands.SessionArgs, ConfigCommands.Session, Needs.ServerCfg, Uses.Folder | Uses.Pending,
            "edits a session of server_cfg.ini (pending until 'server configuration write')"),
        new("server configuration show",    "", ConfigCommands.Show,    Needs.ServerCfg,                      Uses.Pending, "shows the pending sessions and a diff of server_cfg.ini against them"),
        new("server configuration write",   "", ConfigCommands.Write,   Needs.ServerCfg | Needs.ChangesFiles, Uses.Pending | Uses.Info, "writes the pending edits to server_cfg.ini, keeping the previous file as .old"),
        new("server configuration discard", "", ConfigCommands.Discard, Needs.Nothing,                        Uses.Pending, "drops the pending edits"),

        new("grid finish",     "[FILE]",      GridCommands.Finish,  Needs.ServerCfg | Needs.EntryList,  Uses.Folder | Uses.Pending, "sets the pending grid in finishing order of the latest race (or FILE in results/)"),
        new("grid reverse",    "[N] [FILE]",  GridCommands.Reverse, Needs.ServerCfg | Needs.EntryList,  Uses.Folder | Uses.Pending, "sets the pending grid in reverse finishing order (only the top N if given)"),
        new("grid order",      "",            GridCommands.Order,   Needs.Nothing,                      Uses.Pending, "shows the pending grid: position and driver", ReadOnly: true),
        new("grid current",    "",            GridCommands.Order,   Needs.Nothing,                      Uses.Pending, "", AliasOf: "grid order", ReadOnly: true),
        new("grid entries",    "",            GridCommands.Entries, Needs.EntryList,                    Uses.Pending, "shows every entry_list.ini slot with its current and pending position"),
        new("grid save",       "",            GridCommands.Save,    Needs.EntryList | Needs.ChangesFiles, Uses.Folder | Uses.Pending | Uses.Log, "writes the pending grid to entry_list.ini (keeps .old and a timestamped copy)"),
        new("grid write",      "",            GridCommands.Save,    Needs.EntryList | Needs.ChangesFiles, Uses.Folder | Uses.Pending | Uses.Log, "", AliasOf: "grid save"),

        new("lobby info",      "", LobbyCommands.Info,        Needs.Nothing,   Uses.Lobby,    "shows the lobby registration: connected, since, addresses, last answer", ReadOnly: true),
        new("lobby restart",   "", LobbyCommands.Restart,     Needs.ServerCfg, Uses.Lobby,    "registers the server with the lobby again (HTTP GET of the register address)"),

        new("live",            "",                      LiveCommands.Live,    Needs.Nothing, Uses.Server, "shows the live timing table (session, cars by position, gaps) and the UDP plugin link", ReadOnly: true),
        new("chat all",        "<text…>",               LiveCommands.ChatAll, Needs.Nothing, Uses.Server, "sends a chat message to every driver (the rest of the line)"),
        new("chat",            "<car|driver> <text…>",  LiveCommands.Chat,    Needs.Nothing, Uses.Server, "sends a chat message to one driver: a car id or (part of) a driver name"),
        new("kick",            "<car|driver…>",         LiveCommands.Kick,    Needs.Nothing, Uses.Server, "kicks a driver off the server: a car id or (part of) a driver name"),
        new("car",             "<car|driver…>",         LiveCommands.Car,     Needs.Nothing, Uses.Server, "asks the server about a car (CAR_INFO): model, skin, driver, team, GUID"),
        new("admin",           "<text…>",               LiveCommands.Admin,   Needs.Nothing, Uses.Server, "runs an admin command as typed in the chat, e.g. '/ballast 3 50'"),
        new("session next",    "",                      LiveCommands.Next,    Needs.Nothing, Uses.Server, "ends the current session and starts the next one"),
        new("session restart", "",                      LiveCommands.Restart, Needs.Nothing, Uses.Server, "restarts the current session"),
        new("server plugin enable", "", LiveCommands.Enable, Needs.ServerCfg, Uses.Folder | Uses.Pending,
            "sets UDP_PLUGIN_LOCAL_PORT and UDP_PLUGIN_ADDRESS to free loopback ports (pending until 'server configuration write')"),

        new("tracker status",  "", TrackerCommands.Status,    Needs.Nothing,   Uses.Tracker,  "shows whether stracker is running, its pid and since when", ReadOnly: true),
        new("tracker start",   "", TrackerCommands.Start,     Needs.Nothing,   Uses.Tracker | Uses.Server, "starts stracker"),
        new("tracker stop",    "", TrackerCommands.Stop,      Needs.Nothing,   Uses.Tracker,  "stops stracker"),
        new("tracker restart", "", TrackerCommands.Restart,   Needs.Nothing,   Uses.Tracker | Uses.Server, "stops and starts stracker"),
    ];
}
