using AcWs.Files;
using AcWs.Ini;
using AcWs.Runtime;

namespace AcWs.Commands;

/// <summary>
/// What a handler gets: its arguments, the files its row asked for (already parsed), for a row that changes files
/// the note to give while acServer runs, and the rooms its row uses: asking for another is a bug, and says so.
/// </summary>
public sealed record Call(string[] Args, IniDocument? ServerCfg = null, IniDocument? EntryList = null, string? NextStartNote = null)
{
    internal Rooms? Given { get; init; }
    internal Uses Declared { get; init; }

    public ServerFolder Folder => Room(Uses.Folder).Folder;
    public ServerRuntime Server => Room(Uses.Server).Server;
    public Supervisor Tracker => Room(Uses.Tracker).Tracker;
    public LobbyRegistrar Lobby => Room(Uses.Lobby).Lobby;
    public Pending Pending => Room(Uses.Pending).Pending;
    public ShutdownSignal Shutdown => Room(Uses.Shutdown).Shutdown;
    public LogWriter Log => Room(Uses.Log).Log;

    Rooms Room(Uses room) => Declared.HasFlag(room) && Given is { } rooms ? rooms
        : throw new InvalidOperationException($"the command's row does not declare Uses.{room}");
}

/// <summary>Turns one text frame into one reply: finds the row, checks arity and preconditions, runs the handler.</summary>
public static class Dispatcher
{
    const string NextStart = "takes effect at the next server start";

    public static async ValueTask<Reply> RunAsync(string line, Rooms rooms) => (await RunAsync(line, rooms, inline: false))!;

    /// <summary>
    /// The reply, when the command can be answered on this thread without blocking (a <see cref="Command.ReadOnly"/> row);
    /// null when it must run on the worker pool. Only read-only rows run inline, so running one again is harmless.
    /// </summary>
    public static ValueTask<Reply?> TryRunInlineAsync(string line, Rooms rooms)
    {
        ValueTask<Reply?> run;
        // Runs up to the first wait with the thread marked (inline rows do not wait); the mark never outlives this call.
        using (NonBlocking.Enter()) run = RunAsync(line, rooms, inline: true);
        if (!run.IsCompleted) return run;
        try { return ValueTask.FromResult(run.Result); }
        catch (WouldBlockException) { return ValueTask.FromResult<Reply?>(null); }
    }

    static async ValueTask<Reply?> RunAsync(string line, Rooms rooms, bool inline)
    {
        var words = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (words.Length == 0) return Reply.Fail("empty command; send 'help' for the list");
        if (rooms.Shutdown.IsRequested) return Reply.Fail("acws is shutting down; no more commands");

        var row = Find(words);
        if (row is null) return Unknown(words);

        var args = words[row.WordList.Length..];
        if (args.Length < row.MinArgs || args.Length > row.MaxArgs)
            return Reply.Fail($"wrong number of arguments for '{row.Words}': usage '{row.Usage}'");
        if (inline && !row.ReadOnly) return null;
        if (row.TakesRest) args = [.. args[..(row.MinArgs - 1)], RestOf(line, row.WordList.Length + row.MinArgs - 1)];

        var call = new Call(args, NextStartNote: row.Needs.HasFlag(Needs.ChangesFiles) && rooms.Server.IsRunning ? NextStart : null)
        {
            Given = rooms,
            Declared = row.Uses,
        };
        // Read-only rows get the folder's shared parse, the others a copy of their own to edit.
        Func<string, (IniDocument?, string?)> load = row.ReadOnly ? rooms.Folder.Peek : rooms.Folder.Load;
        if (row.Needs.HasFlag(Needs.ServerCfg))
        {
            var (ini, error) = load(ServerFolder.ServerCfg);
            if (error is not null) return Reply.Fail(error);
            call = call with { ServerCfg = ini };
        }
        if (row.Needs.HasFlag(Needs.EntryList))
        {
            var (ini, error) = load(ServerFolder.EntryListIni);
            if (error is not null) return Reply.Fail(error);
            call = call with { EntryList = ini };
        }
        try
        {
            return await row.Run(call);
        }
        catch (IniParseException e)
        {
            return Reply.Fail(e.Message);
        }
    }

    /// <summary>The table's rows by their first word (any case), in table order.</summary>
    static readonly Dictionary<string, List<Command>> rowsByFirstWord = ByFirstWord();

    static Dictionary<string, List<Command>> ByFirstWord()
    {
        var rows = new Dictionary<string, List<Command>>(StringComparer.OrdinalIgnoreCase);
        foreach (var row in CommandTable.Rows)
        {
            if (!rows.TryGetValue(row.WordList[0], out var same)) rows[row.WordList[0]] = same = [];
            same.Add(row);
        }
        return rows;
    }

    /// <summary>The row whose words are the longest match for the start of <paramref name="words"/>.</summary>
    public static Command? Find(string[] words)
    {
        Command? best = null;
        if (words.Length == 0 || !rowsByFirstWord.TryGetValue(words[0], out var rows)) return null;
        foreach (var row in rows)
        {
            if (row.WordList.Length > words.Length) continue;
            bool match = true;
            for (int i = 0; i < row.WordList.Length && match; i++)
                match = string.Equals(row.WordList[i], words[i], StringComparison.OrdinalIgnoreCase);
            if (match && (best is null || row.WordList.Length > best.WordList.Length)) best = row;
        }
        return best;
    }

    static Reply Unknown(string[] words)
    {
        string typed = string.Join(' ', words).ToLowerInvariant();
        // "server" alone: list what can follow it.
        var following = CommandTable.Rows
            .Where(r => r.WordList.Length > words.Length && r.WordList.Take(words.Length).SequenceEqual(words, StringComparer.OrdinalIgnoreCase))
            .Select(r => r.Words).ToList();
        if (following.Count > 0)
            return Reply.Fail($"'{typed}' needs more words: {string.Join(", ", following)}");

        string? suggestion = null;
        int bestDistance = int.MaxValue;
        foreach (var row in CommandTable.Rows)
        {
            string candidate = Clip(string.Join(' ', words.Take(row.WordList.Length)).ToLowerInvariant());
            int d = Distance(candidate, row.Words);
            if (d < bestDistance) { bestDistance = d; suggestion = row.Words; }
        }
        string hint = suggestion is not null && bestDistance <= Math.Max(2, suggestion.Length / 4)
            ? $" — did you mean '{suggestion}'?" : ";";
        return Reply.Fail($"unknown command '{Clip(typed)}'{hint} send 'help' for the list");
    }

    /// <summary>The line after its first <paramref name="skip"/> words, as typed (inner spacing kept), trimmed.</summary>
    static string RestOf(string line, int skip)
    {
        int at = 0;
        for (int word = 0; word <= skip; word++)
        {
            while (at < line.Length && char.IsWhiteSpace(line[at])) at++;
            if (word == skip) break;
            while (at < line.Length && !char.IsWhiteSpace(line[at])) at++;
        }
        return line[at..].TrimEnd();
    }

    static string Clip(string s) => s.Length <= 80 ? s : s[..80] + "…";

    /// <summary>Levenshtein distance, for "did you mean".</summary>
    static int Distance(string a, string b)
    {
        var prev = new int[b.Length + 1];
        var cur = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++) prev[j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            cur[0] = i;
            for (int j = 1; j <= b.Length; j++)
                cur[j] = Math.Min(Math.Min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            (prev, cur) = (cur, prev);
        }
        return prev[b.Length];
    }
}
