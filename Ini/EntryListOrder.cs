namespace AcWs.Ini;

/// <summary>Reordering the [CAR_N] sections of an entry list without losing a byte of any of them.</summary>
public static class EntryListOrder
{
    /// <summary>
    /// The document with its [CAR_N] blocks in <paramref name="order"/> (section names as in the file).
    /// Each block moves whole — leading comments, header, every key, inner comments — and only its number
    /// changes: the k-th car block takes the number the k-th car block had before. Blank lines that separate
    /// blocks stay where they were, so the layout (and the file's ending) is unchanged; a block that ended the
    /// file without a newline gets the one of the place it moves to. The result is parsed again before returning.
    /// </summary>
    public static IniDocument Reordered(IniDocument ini, IReadOnlyList<string> order)
    {
        var (prefix, blocks) = ini.SectionBlocks();
        // Loops rather than LINQ over the block tuples: each tuple shape costs LINQ's iterators anew in the binary.
        var names = new List<string>();
        var byName = new Dictionary<string, List<IniLine>>(StringComparer.OrdinalIgnoreCase);
        foreach (var (section, lines) in blocks)
        {
            if (!IsCar(section)) continue;
            names.Add(section);
            byName.TryAdd(section, lines);
        }
        var duplicate = names.GroupBy(n => n, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new InvalidOperationException($"{ini.Name} has [{duplicate.Key}] more than once; fix the file first");
        if (order.Count != names.Count || !order.Order(StringComparer.OrdinalIgnoreCase).SequenceEqual(names.Order(StringComparer.OrdinalIgnoreCase), StringComparer.OrdinalIgnoreCase))
            throw new InvalidOperationException($"the grid does not list exactly the car sections of {ini.Name}");

        var result = new List<IniLine>(prefix);
        int car = 0;
        for (int i = 0; i < blocks.Count; i++)
        {
            if (!IsCar(blocks[i].Section)) { result.AddRange(blocks[i].Lines); continue; }
            var (place, placeGap) = SplitTrailingBlanks(blocks[i].Lines);
            var (moving, _) = SplitTrailingBlanks(byName[order[car]]);
            string number = names[car][4..];
            car++;
            for (int j = 0; j < moving.Count; j++)
            {
                var line = moving[j];
                // A block holds exactly one header: its own.
                var copy = line.Kind == IniLineKind.Section ? IniDocument.RenamedHeader(line, line.Section[..4] + number) : line.Copy();
                if (j == moving.Count - 1) copy.Eol = place[^1].Eol;
                else if (copy.Eol.Length == 0) copy.Eol = ini.NewLine;
                result.Add(copy);
            }
            result.AddRange(placeGap.Select(l => l.Copy()));
        }
        return IniDocument.Parse(ini.WithLines(result).ToBytes(), ini.Name);
    }

    public static bool IsCar(string section) =>
        section.StartsWith("CAR_", StringComparison.OrdinalIgnoreCase)
        && int.TryParse(section.AsSpan(4), System.Globalization.NumberStyles.None, null, out _);

    /// <summary>A block's lines up to its last non-blank one, and the blank lines after it.</summary>
    static (List<IniLine> Content, List<IniLine> Gap) SplitTrailingBlanks(List<IniLine> block)
    {
        int end = block.Count;
        while (end > 1 && block[end - 1].Kind == IniLineKind.Blank) end--;
        return (block[..end], block[end..]);
    }
}
