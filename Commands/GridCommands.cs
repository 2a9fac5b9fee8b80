using System.Globalization;
using AcWs.Files;
using AcWs.Ini;
using AcWs.Runtime;
using AcWs.Results;

namespace AcWs.Commands;

/// <summary><c>grid …</c>: the next race's starting grid from a race result, checked, then written to entry_list.ini.</summary>
public static class GridCommands
{
    public static async ValueTask<Reply> Finish(Call call)
    {
        using var turn = await ResultFiles.ReadingTurnAsync();
        return Compute(call, reverseTop: null, file: call.Args.FirstOrDefault(), verb: "finish");
    }

    public static async ValueTask<Reply> Reverse(Call call)
    {
        var (top, file, error) = ReverseArgs(call.Args);
        if (error is not null) return Reply.Fail(error);
        string verb = top is null ? "reverse" : $"reverse {top}";
        using var turn = await ResultFiles.ReadingTurnAsync();
        return Compute(call, reverseTop: top ?? int.MaxValue, file, verb);
    }

    /// <summary><c>[N] [FILE]</c>: a lone argument made of digits and signs is N, anything else is FILE.</summary>
    static (int? Top, string? File, string? Error) ReverseArgs(string[] args)
    {
        if (args.Length == 0) return (null, null, null);
        if (args.Length == 1 && !args[0].All(c => char.IsAsciiDigit(c) || c is '-' or '+' or '.' or ','))
            return (null, args[0], null);
        if (!int.TryParse(args[0], NumberStyles.None, CultureInfo.InvariantCulture, out int n) || n <= 0)
            return (null, null, $"N must be a positive whole number (how many finishers to reverse), found '{args[0]}': usage 'grid reverse [N] [FILE]'");
        return (n, args.Length > 1 ? args[1] : null, null);
    }

    /// <summary>Reads the race, orders the slots, and replaces the pending grid (from scratch every time).</summary>
    static Reply Compute(Call call, int? reverseTop, string? file, string verb)
    {
        var cfg = ServerConfig.From(call.ServerCfg!);
        string relative;
        RaceResult race;
        string? warning = null;
        if (file is null)
        {
            var (latest, latestRace, error) = ResultFiles.LatestRace(call.Folder);
            if (error is not null) return Reply.Fail(error);
            (relative, race) = (latest!, latestRace!);
            if (!SameTrack(race, cfg))
                return Reply.Fail($"{relative} is a race at {TrackOf(race)} but {ServerFolder.ServerCfg} has {TrackOf(cfg)}; " +
                                  $"to use it anyway send 'grid {verb} {relative}'");
        }
        else
        {
            var (resolved, error) = ResultFiles.Resolve(call.Folder, file);
            if (error is not null) return Reply.Fail(error);
            var (explicitRace, parseError) = ResultFiles.ReadRace(call.Folder, resolved!);
            if (parseError is not null) return Reply.Fail(parseError);
            (relative, race) = (resolved!, explicitRace!);
            if (!SameTrack(race, cfg))
                warning = $"{relative} is a race at {TrackOf(race)} but {ServerFolder.ServerCfg} has {TrackOf(cfg)}";
        }

        var slots = EntryList.From(call.EntryList!);
        var places = StartingGrid.Place(StartingGrid.Finishing(race, reverseTop), slots);
        var grid = new PendingGrid(relative, places, Pending.Hash(call.EntryList!.ToBytes()));
        call.Pending.Grid.Set(grid);
        return Reply.Ok(new GridData($"{relative} parse SUCCESS", grid.Names(), warning));
    }

    /// <summary>
    /// TrackName against TRACK (a Content Manager path such as csp/3898/../D/../gta4 matches on its last part),
    /// TrackConfig against CONFIG_TRACK; case does not matter.
    /// </summary>
    static bool SameTrack(RaceResult race, ServerConfig cfg)
    {
        string track = race.TrackName?.Trim() ?? "", config = race.TrackConfig?.Trim() ?? "";
        bool sameTrack = string.Equals(track, cfg.Track.Trim(), StringComparison.OrdinalIgnoreCase)
                         || string.Equals(track, cfg.Track.Trim().Split('/').Last(), StringComparison.OrdinalIgnoreCase);
        return sameTrack && string.Equals(config, cfg.ConfigTrack.Trim(), StringComparison.OrdinalIgnoreCase);
    }

    static string TrackOf(RaceResult race) => TrackOf(race.TrackName ?? "", race.TrackConfig ?? "");
    static string TrackOf(ServerConfig cfg) => TrackOf(cfg.Track, cfg.ConfigTrack);
    static string TrackOf(string track, string config) =>
        config.Trim().Length == 0 ? $"'{track.Trim()}'" : $"'{track.Trim()}' (config '{config.Trim()}')";

    const string NoGrid = "no grid pending: send 'grid finish' or 'grid reverse' first";

    public static ValueTask<Reply> Order(Call call)
    {
        var grid = call.Pending.Grid.Current;
        return ValueTask.FromResult(grid is null ? Reply.Fail(NoGrid) : Reply.Ok(new GridData(null, grid.Names())));
    }

    public static ValueTask<Reply> Entries(Call call)
    {
        var grid = call.Pending.Grid.Current;
        bool fresh = grid is not null && grid.EntryListSha256 == Pending.Hash(call.EntryList!.ToBytes());
        var pending = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        if (fresh)
            for (int i = 0; i < grid!.Places.Count; i++) pending[grid.Places[i].Section] = i + 1;

        var entries = new Dictionary<string, GridEntryView>();
        var slots = EntryList.From(call.EntryList!);
        for (int i = 0; i < slots.Count; i++)
        {
            var s = slots[i];
            entries[s.Section] = new GridEntryView(s.Section, i + 1, pending.TryGetValue(s.Section, out int p) ? p : null,
                s.Model, s.Skin, s.DriverName, s.Guid);
        }
        string? warning = grid is not null && !fresh ? Stale(grid) : null;
        return ValueTask.FromResult(Reply.Ok(new GridEntriesData(entries, grid?.Source, warning)));
    }

    static string Stale(PendingGrid grid) =>
        $"{ServerFolder.EntryListIni} changed on disk since the grid was computed from {grid.Source}; send 'grid finish' or 'grid reverse' again";

    public static ValueTask<Reply> Save(Call call) =>
        ValueTask.FromResult(Save(call.Pending.Grid, call.Folder, call.Log, call.NextStartNote));

    /// <summary>
    /// Rewrites entry_list.ini in the pending order. The file is read again under the save lock, so what is
    /// checked is what is replaced. <paramref name="beforeRename"/> is passed to <see cref="ServerFolder.WriteAtomically"/>.
    /// </summary>
    public static Reply Save(GridState pending, ServerFolder folder, LogWriter log, string? note = null, Action? beforeRename = null)
    {
        lock (pending.Saving)
        {
            var grid = pending.Current;
            if (grid is null) return Reply.Fail(NoGrid);
            var (ini, loadError) = folder.Load(ServerFolder.EntryListIni);
            if (loadError is not null) return Reply.Fail(loadError);
            if (Pending.Hash(ini!.ToBytes()) != grid.EntryListSha256) return Reply.Fail(Stale(grid) + "; nothing was written");

            IniDocument reordered;
            try { reordered = EntryListOrder.Reordered(ini, [.. grid.Places.Select(p => p.Section)]); }
            catch (InvalidOperationException e) { return Reply.Fail($"{e.Message}; nothing was written"); }
            if (!SameSlots(EntryList.From(ini), grid, EntryList.From(reordered)))
                return Reply.Fail($"internal check failed: the rewritten {ServerFolder.EntryListIni} would not match the grid; nothing was written");

            var bytes = reordered.ToBytes();
            // Checked again as it is written: the file the grid was computed from, and nothing since.
            var (changed, writeError) = folder.ReplaceIfUnchanged(ServerFolder.EntryListIni,
                now => Pending.Hash(now) == grid.EntryListSha256, bytes, beforeRename);
            if (changed) return Reply.Fail(Stale(grid) + "; nothing was written");
            if (writeError is not null) return Reply.Fail(writeError);

            // The saved file is the grid now: CAR_0, CAR_1, … in order. Saving again rewrites it identically.
            var saved = EntryList.From(reordered);
            var places = grid.Places.Select((p, i) => p with { Section = saved[i].Section }).ToList();
            pending.Replace(grid, grid with { Places = places, EntryListSha256 = Pending.Hash(bytes) });
            log.Write($"grid from {grid.Source} saved to {ServerFolder.EntryListIni}");

            // The seed README's words, and what was really written (not the newest original's entry_list_new.ini).
            var reply = new GridSaveData("entry_list.ini file update SUCCESS", note);
            return Reply.Ok(reply) with { Topic = "grid" };
        }
    }

    /// <summary>Each new slot k holds exactly the keys and values of the slot the grid puts at k.</summary>
    static bool SameSlots(IReadOnlyList<EntrySlot> before, PendingGrid grid, IReadOnlyList<EntrySlot> after)
    {
        if (after.Count != grid.Places.Count) return false;
        var bySection = before.ToDictionary(s => s.Section, StringComparer.OrdinalIgnoreCase);
        for (int i = 0; i < after.Count; i++)
            if (!bySection.TryGetValue(grid.Places[i].Section, out var old) || !old.All.SequenceEqual(after[i].All)) return false;
        return true;
    }
}
