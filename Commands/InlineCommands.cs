namespace AcWs.Commands;

/// <summary>
/// Which commands are answered on the thread that received them (the socket engine's epoll thread, see
/// <see cref="Runtime.SocketSettings"/>) and which go to the worker pool. Only the rows below, which read what acws
/// holds in memory, run there, and only while every file they need is already parsed and unchanged (a stat of it is
/// all they may do): reading or parsing a file, hashing, HTTP and starting or stopping a process call
/// <see cref="Files.NonBlocking.Check"/> first, which sends the command to the pool instead. A blocked epoll thread would
/// hold up every connection it serves.
/// </summary>
public static class InlineCommands
{
    static readonly HashSet<string> Rows = new(StringComparer.Ordinal)
    {
        "help", "server info", "server entries", "server sessions", "server drivers", "server status",
        "grid order", "grid current", "lobby info", "tracker status",
    };

    public static bool Allows(Command row) => Rows.Contains(row.Words);
}
