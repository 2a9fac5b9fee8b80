using System.Globalization;
using AcWs.Files;
using AcWs.Ini;

namespace AcWs.Commands;

/// <summary>
/// <c>server session …</c> and <c>server configuration show|write|discard</c>: edits of the session sections of
/// cfg/server_cfg.ini, kept pending (shared by every client) until written. Each edit changes only the lines it must.
/// </summary>
public static class ConfigCommands
{
    const string Cfg = ServerFolder.ServerCfg;
    const string Names = "practice, qualify, race or booking";

    /// <summary>
    /// One row per <c>server session</c> option: its word, the name of its value (null: it takes none), the value's
    /// range and how it reads in an error, and what it does to the session's section. Usage, help and every error
    /// wording come from these rows.
    /// </summary>
    sealed record SessionOption(string Word, string? ValueName, int Min, int Max, string Range, Func<IniDocument, string, int, EditOutcome> Apply);

    static readonly SessionOption[] SessionOptions =
    [
        new("enable",  null,        0, 0,    "",                                          Enable),
        new("disable", null,        0, 0,    "",                                          Disable),
        new("laps",    "<laps>",    1, 999,  "a whole number from 1 to 999",              (doc, section, n) => SetLength(doc, section, "LAPS", n)),
        new("time",    "<minutes>", 1, 1440, "a whole number of minutes from 1 to 1440",  (doc, section, n) => SetLength(doc, section, "TIME", n)),
        new("wait",    "<seconds>", 0, 3600, "a whole number of seconds from 0 to 3600",  (doc, section, n) => SetKey(doc, section, "WAIT_TIME", n)),
        new("open",    "<0|1|2>",   0, 2,    "0 (closed), 1 (open) or 2 (open until 20 seconds before the start)", (doc, section, n) => SetKey(doc, section, "IS_OPEN", n)),
    ];

    /// <summary>The argument pattern of the <c>server session</c> row, from <see cref="SessionOptions"/>.</summary>
    public static string SessionArgs => $"<session> <{string.Join('|', SessionOptions.Select(o => o.Word))}> [N]";

    static string OptionWords => string.Join(", ", SessionOptions.SkipLast(1).Select(o => o.Word)) + " or " + SessionOptions[^1].Word;

    static readonly Reply NothingPendingToWrite = Reply.Msg($"nothing pending: {Cfg} was not touched");

    public static ValueTask<Reply> Session(Call call) => ValueTask.FromResult(EditSession(call));

    static Reply EditSession(Call call)
    {
        string name = call.Args[0].ToLowerInvariant(), word = call.Args[1].ToLowerInvariant();
        string? section = ServerConfig.SessionSections.FirstOrDefault(s => s.Equals(name, StringComparison.OrdinalIgnoreCase));
        if (section is null) return Reply.Fail($"unknown session '{call.Args[0]}': use {Names}");

        var option = SessionOptions.FirstOrDefault(o => o.Word == word);
        if (option is null) return Reply.Fail($"unknown option '{call.Args[1]}' for 'server session {name}': use {OptionWords}");
        int wanted = option.ValueName is null ? 2 : 3;
        if (call.Args.Length != wanted)
            return Reply.Fail($"wrong number of arguments for 'server session {name} {word}': usage 'server session {name} {word}{(option.ValueName is null ? "" : " " + option.ValueName)}'");
        if (word == "laps" && section != "RACE")
            return Reply.Fail($"laps only applies to the race; {section} is timed: use 'server session {name} time <minutes>'");

        int value = 0;
        if (option.ValueName is not null
            && (!int.TryParse(call.Args[2], NumberStyles.None, CultureInfo.InvariantCulture, out value) || value < option.Min || value > option.Max))
            return Reply.Fail($"{word} must be {option.Range}, got '{call.Args[2]}'");

        var (edited, msg, error, dropped) = call.Pending.Config.Edit(() => call.Folder.Load(Cfg), doc =>
            option.Word != "enable" && !doc.HasSection(section)
                ? option.Word == "disable"
                    ? EditOutcome.Done($"{section} is already disabled")
                    : EditOutcome.Fail($"{section} is not enabled: send 'server session {name} enable' first")
                : option.Apply(doc, section, value));
        string? warning = dropped is null ? null : DroppedMsg(dropped);
        if (error is not null) return Reply.Fail(warning is null ? error : $"{error} ({warning})");
        return Reply.Ok(new SessionEditData(msg, ServerCommands.SessionViews(edited!), warning));
    }

    static EditOutcome Enable(IniDocument doc, string section, int _)
    {
        if (doc.HasSection(section)) return EditOutcome.Done($"{section} is already enabled");
        doc.AddSection(section, NewSession(section), after: ServerConfig.SessionSections);
        return EditOutcome.Done($"Enabled {section}");
    }

    static EditOutcome Disable(IniDocument doc, string section, int _)
    {
        doc.RemoveSection(section);
        return EditOutcome.Done($"Disabled {section}");
    }

    /// <summary>A race is either laps or time, so setting one removes the other; practice and qualifying are timed anyway.</summary>
    static EditOutcome SetLength(IniDocument doc, string section, string key, int value)
    {
        var done = SetKey(doc, section, key, value);
        string other = key == "LAPS" ? "TIME" : "LAPS";
        bool removed = (key == "LAPS" || section == "RACE") && doc.Remove(section, other);
        return removed ? EditOutcome.Done($"{done.Msg}, removed {other}") : done;
    }

    static EditOutcome SetKey(IniDocument doc, string section, string key, int value)
    {
        string text = value.ToString(CultureInfo.InvariantCulture);
        doc.Set(section, key, text);
        return EditOutcome.Done($"Set {section} {key}={text}");
    }

    /// <summary>The section the original tool added: a 10-minute session, or a 10-lap race with a 60-second wait.</summary>
    static KeyValuePair<string, string>[] NewSession(string section) => section == "RACE"
        ? [new("NAME", "Race"), new("LAPS", "10"), new("WAIT_TIME", "60"), new("IS_OPEN", "1")]
        : [new("NAME", ServerConfig.DefaultName(section)), new("TIME", "10"), new("IS_OPEN", "1")];

    /// <summary>Pending edits made on an older file are dropped, never written over the new one or kept half-true.</summary>
    internal static string DroppedMsg(string dropped) => $"{Cfg} changed on disk, so it was re-read and the pending edits were dropped: {dropped}";

    public static ValueTask<Reply> Show(Call call)
    {
        var onDisk = call.ServerCfg!;
        var edits = call.Pending.Config.Current;
        if (edits is null)
            return ValueTask.FromResult(Reply.Ok(new ConfigurationData($"nothing pending: {Cfg} is as on disk", ServerCommands.SessionViews(onDisk), "")));

        var pending = IniDocument.Parse(edits.Edited, Cfg);
        string diff = UnifiedDiff.Of(Texts(onDisk), Texts(pending), Cfg, Cfg + " (pending)");
        bool stale = !edits.IsBasedOn(onDisk.ToBytes());
        string msg = stale
            ? $"{Cfg} changed on disk after the first pending edit; 'server configuration write' will drop the edits and write nothing: redo them on the new file"
            : "pending: send 'server configuration write' to save, 'server configuration discard' to drop";
        return ValueTask.FromResult(Reply.Ok(new ConfigurationData(msg, ServerCommands.SessionViews(pending), diff, stale ? true : null)));
    }

    /// <summary>The lines as the diff shows them: the value of any *PASSWORD key is masked, as passwords are never sent.</summary>
    static List<string> Texts(IniDocument doc) => [.. doc.Lines.Select(l =>
        l.Kind == IniLineKind.Entry && l.ValueLength > 0 && l.Key.EndsWith("PASSWORD", StringComparison.OrdinalIgnoreCase)
            ? string.Concat(l.Text.AsSpan(0, l.ValueStart), "***", l.Text.AsSpan(l.ValueStart + l.ValueLength))
            : l.Text)];

    public static ValueTask<Reply> Write(Call call)
    {
        byte[] written = [];
        var (wasPending, error, dropped) = call.Pending.Config.Commit(edits =>
        {
            // Checked against the file as it is now, under the write lock, not the copy read before.
            var (changed, writeError) = call.Folder.ReplaceIfUnchanged(Cfg, now => edits.IsBasedOn(now), edits.Edited);
            if (!changed && writeError is null) written = edits.Edited;
            return (changed, writeError);
        });
        if (!wasPending) return ValueTask.FromResult(NothingPendingToWrite);
        if (dropped is not null) return ValueTask.FromResult(Reply.Fail($"{DroppedMsg(dropped)}; nothing was written: redo them on the file as it is now"));
        if (error is not null) return ValueTask.FromResult(Reply.Fail(error));

        var server = ServerCommands.InfoOf(IniDocument.Parse(written, Cfg), call);
        return ValueTask.FromResult(Reply.Ok(new ConfigurationWrittenData($"Wrote {Cfg}", server, call.NextStartNote)) with { Topic = "configuration" });
    }

    public static ValueTask<Reply> Discard(Call call) =>
        ValueTask.FromResult(call.Pending.Config.Discard()
            ? Reply.Msg($"Discarded the pending edits of {Cfg}")
            : Reply.Msg("nothing pending to discard"));
}
