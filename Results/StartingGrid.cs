using AcWs.Ini;

namespace AcWs.Results;

/// <summary>One place on the grid: the entry-list slot that starts there and who drives it.</summary>
public sealed record GridPlace(string Section, string Driver, ResultRow? From);

/// <summary>The order rules: race result + entry-list slots → the next race's grid. Plain functions, no I/O.</summary>
public static class StartingGrid
{
    /// <summary>
    /// Classified finishers in result order, then the rest (DNF, no lap) in result order; empty rows dropped.
    /// <paramref name="reverseTop"/> reverses the first N classified (all of them when N is larger);
    /// null keeps finishing order.
    /// </summary>
    public static IReadOnlyList<ResultRow> Finishing(RaceResult race, int? reverseTop = null)
    {
        var rows = (race.Result ?? []).Where(r => !r.Empty).ToList();
        var classified = rows.Where(r => r.Classified).ToList();
        var rest = rows.Where(r => !r.Classified);
        if (reverseTop is int n)
        {
            n = Math.Min(n, classified.Count);
            classified = [.. classified.Take(n).Reverse(), .. classified.Skip(n)];
        }
        return [.. classified, .. rest];
    }

    /// <summary>
    /// Places each result row on a slot (by GUID, then driver name, then CarId; each slot at most once),
    /// then the slots that matched nobody, in file order. Rows that match no slot are left out.
    /// </summary>
    public static IReadOnlyList<GridPlace> Place(IReadOnlyList<ResultRow> order, IReadOnlyList<EntrySlot> slots)
    {
        var slotOf = new EntrySlot?[order.Count];
        var used = new HashSet<EntrySlot>(ReferenceEqualityComparer.Instance);

        // Whole passes, so a weaker match (CarId) never takes a slot a stronger one (GUID) would claim later.
        Pass(s => Guids(s.Guid), r => r.DriverGuid);
        Pass(s => [s.DriverName.Trim()], r => r.DriverName);
        for (int i = 0; i < order.Count; i++)
        {
            if (slotOf[i] is not null) continue;
            var slot = slots.FirstOrDefault(s => s.Index == order[i].CarId && !used.Contains(s));
            if (slot is not null) { slotOf[i] = slot; used.Add(slot); }
        }

        var places = new List<GridPlace>();
        for (int i = 0; i < order.Count; i++)
            if (slotOf[i] is EntrySlot s) places.Add(new GridPlace(s.Section, DriverOf(s, order[i].DriverName), order[i]));
        foreach (var s in slots)
            if (!used.Contains(s)) places.Add(new GridPlace(s.Section, DriverOf(s, null), null));
        return places;

        void Pass(Func<EntrySlot, string[]> slotKeys, Func<ResultRow, string?> rowKey)
        {
            for (int i = 0; i < order.Count; i++)
            {
                if (slotOf[i] is not null) continue;
                string key = rowKey(order[i])?.Trim() ?? "";
                if (key.Length == 0) continue;
                var candidates = slots.Where(s => !used.Contains(s) && slotKeys(s).Contains(key, StringComparer.OrdinalIgnoreCase)).ToList();
                if (candidates.Count == 0) continue;
                // One driver can hold two cars: prefer the slot of the same car.
                var slot = candidates.FirstOrDefault(s => s.Index == order[i].CarId)
                           ?? candidates.FirstOrDefault(s => string.Equals(s.Model, order[i].CarModel, StringComparison.OrdinalIgnoreCase))
                           ?? candidates[0];
                slotOf[i] = slot;
                used.Add(slot);
            }
        }
    }

    /// <summary>GUID may list several Steam IDs separated by ';'.</summary>
    static string[] Guids(string guid) => guid.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>The name shown for a place: the driver in the results, else the slot's DRIVERNAME, else CAR_N.</summary>
    static string DriverOf(EntrySlot slot, string? resultName) =>
        !string.IsNullOrWhiteSpace(resultName) ? resultName.Trim()
        : slot.DriverName.Trim().Length > 0 ? slot.DriverName.Trim()
        : slot.Section;
}
