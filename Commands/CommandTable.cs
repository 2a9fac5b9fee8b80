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

public delegate ValueTask<Reply> Handler(Call call, Agent agent);

/// <summary>
/// One row of the command table. <see cref="Words"/> is what the client types; <see cref="Args"/> is the
/// argument pattern (<c>&lt;x&gt;</c> required, <c>[x]</c> optional) from which arity is derived.
/// </summary>
public sealed record Command(string Words, string Args, Handler Run, Needs Needs, string Help, string? AliasOf = null)
{
    public string[] WordList { get; } = Words.Split(' ');
    public int MinArgs { get; } = Args.Split(' ', StringSplitOptions.RemoveEmptyEntries).Count(a => a.StartsWith('<'));
    public int MaxArgs { get; } = Args.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
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
        new("help",            "", AgentCommands.Help,        Needs.Nothing,   "lists every command with a one-line description"),
        new("shutdown now",    "", AgentCommands.ShutdownNow, Needs.Nothing,   "stops acws (and any server it started) and closes every connection"),

        new("server info",     "", ServerCommands.Info,       Needs.ServerCfg, "shows a summary of the server"),
        new("server entries",  "", ServerCommands.Entries,    Needs.EntryList, "shows a summary of the entry_list.ini contents"),
        new("server sessions", "", ServerCommands.Sessions,   Needs.ServerCfg, "shows a summary of configured sessions"),
        new("server drivers",  "", ServerCommands.Drivers,    Needs.Nothing,   "shows a summary of the active drivers on the server"),
        new("server status",   "", ServerCommands.Status,     Needs.Nothing,   "shows whether the AC server is running, its pid and uptime"),
        new("server start",    "", ServerCommands.Start,      Needs.Nothing,   "starts the AC server"),
        new("server stop",     "", ServerCommands.Stop,       Needs.Nothing,   "stops the AC server"),
        new("server restart",  "", ServerCommands.Restart,    Needs.Nothing,   "stops and starts the AC server"),

        new("server session",  ConfigCommands.SessionArgs, ConfigCommands.Session, Needs.ServerCfg,
            "edits a session of server_cfg.ini (pending until 'server configuration write')"),
        new("server configuration show",    "", ConfigCommands.Show,    Needs.ServerCfg, "shows the pending sessions and a diff of server_cfg.ini against them"),
        new("server configuration write",   "", ConfigCommands.Write,   Needs.ServerCfg | Needs.ChangesFiles, "writes the pending edits to server_cfg.ini, keeping the previous file as .old"),
        new("server configuration discard", "", ConfigCommands.Discard, Needs.Nothing,   "drops the pending edits"),

        new("grid finish",     "[FILE]",      GridCommands.Finish,  Needs.ServerCfg | Needs.EntryList, "sets the pending grid in finishing order of the latest race (or FILE in results/)"),
        new("grid reverse",    "[N] [FILE]",  GridCommands.Reverse, Needs.ServerCfg | Needs.EntryList, "sets the pending grid in reverse finishing order (only the top N if given)"),
        new("grid order",      "",            GridCommands.Order,   Needs.Nothing,   "shows the pending grid: position and driver"),
        new("grid current",    "",            GridCommands.Order,   Needs.Nothing,   "", AliasOf: "grid order"),
        new("grid entries",    "",            GridCommands.Entries, Needs.EntryList, "shows every entry_list.ini slot with its current and pending position"),
        new("grid save",       "",            GridCommands.Save,    Needs.EntryList | Needs.ChangesFiles, "writes the pending grid to entry_list.ini (keeps .old and a timestamped copy)"),
        new("grid write",      "",            GridCommands.Save,    Needs.EntryList | Needs.ChangesFiles, "", AliasOf: "grid save"),

        new("lobby info",      "", LobbyCommands.Info,        Needs.Nothing,   "shows the lobby registration: connected, since, addresses, last answer"),
        new("lobby restart",   "", LobbyCommands.Restart,     Needs.ServerCfg, "registers the server with the lobby again (HTTP GET of the register address)"),

        new("tracker status",  "", TrackerCommands.Status,    Needs.Nothing,   "shows whether stracker is running, its pid and since when"),
        new("tracker start",   "", TrackerCommands.Start,     Needs.Nothing,   "starts stracker"),
        new("tracker stop",    "", TrackerCommands.Stop,      Needs.Nothing,   "stops stracker"),
        new("tracker restart", "", TrackerCommands.Restart,   Needs.Nothing,   "stops and starts stracker"),
    ];
}
