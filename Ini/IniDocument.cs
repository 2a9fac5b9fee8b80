using System.Text;

namespace AcWs.Ini;

/// <summary>A malformed ini file: names the file and the 1-based line of the first problem.</summary>
public sealed class IniParseException(string file, int line, string reason)
    : Exception($"{file} line {line}: {reason}")
{
    public string File { get; } = file;
    public int Line { get; } = line;
    public string Reason { get; } = reason;
}

public enum IniLineKind { Blank, Comment, Section, Entry }

/// <summary>
/// One physical line, kept exactly as read: <see cref="Text"/> without its line ending and
/// <see cref="Eol"/> (the ending itself, "" on a last line without one).
/// </summary>
public sealed class IniLine
{
    public required string Text { get; init; }
    public required string Eol { get; set; }
    public required IniLineKind Kind { get; init; }
    /// <summary>The section this line belongs to ("" before the first header); a header names itself.</summary>
    public required string Section { get; init; }
    public string Key { get; init; } = "";
    /// <summary>Where the value starts in <see cref="Text"/>, and how long it is (trimmed: everything after the first '=').</summary>
    public int ValueStart { get; init; }
    public int ValueLength { get; init; }

    public string Value => Text.Substring(ValueStart, ValueLength);

    public IniLine Copy() => new()
    {
        Text = Text, Eol = Eol, Kind = Kind, Section = Section, Key = Key,
        ValueStart = ValueStart, ValueLength = ValueLength,
    };
}

/// <summary>
/// A lossless, line-oriented ini file. Parsing then <see cref="ToBytes"/> with no edits gives back
/// the same bytes; an edit rewrites only the lines it must. Sections and keys match case-insensitively;
/// the first occurrence of a repeated key wins.
/// </summary>
public sealed class IniDocument
{
    static readonly byte[] Utf8Bom = [0xEF, 0xBB, 0xBF];
    static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    readonly List<IniLine> lines;
    readonly bool hasBom;
    readonly Encoding encoding;

    IniDocument(string name, List<IniLine> lines, bool hasBom, Encoding encoding)
    {
        Name = name;
        this.lines = lines;
        this.hasBom = hasBom;
        this.encoding = encoding;
    }

    /// <summary>The file name used in error messages, e.g. <c>cfg/server_cfg.ini</c>.</summary>
    public string Name { get; }
    public IReadOnlyList<IniLine> Lines => lines;

    /// <summary>The file's own line ending (its first one), used for lines we add.</summary>
    public string NewLine => lines.FirstOrDefault(l => l.Eol.Length > 0)?.Eol ?? "\r\n";

    public static IniDocument Load(string path, string name) => Parse(File.ReadAllBytes(path), name);

    public static IniDocument Parse(ReadOnlySpan<byte> bytes, string name)
    {
        bool bom = bytes.StartsWith(Utf8Bom);
        if (bom) bytes = bytes[3..];
        Encoding encoding = StrictUtf8;
        string text;
        try { text = StrictUtf8.GetString(bytes); }
        catch (DecoderFallbackException)
        {
            // Not UTF-8 (an old Windows code page): Latin-1 maps every byte to one char and back.
            encoding = Encoding.Latin1;
            text = Encoding.Latin1.GetString(bytes);
        }
        return new IniDocument(name, ParseLines(text, name), bom, encoding);
    }

    static List<IniLine> ParseLines(string text, string name)
    {
        var result = new List<IniLine>();
        string section = "";
        int pos = 0, number = 0;
        while (pos < text.Length)
        {
            number++;
            int end = text.IndexOfAny(['\r', '\n'], pos);
            string lineText, eol;
            if (end < 0) { lineText = text[pos..]; eol = ""; pos = text.Length; }
            else
            {
                lineText = text[pos..end];
                eol = text[end] == '\r' && end + 1 < text.Length && text[end + 1] == '\n' ? "\r\n" : text[end].ToString();
                pos = end + eol.Length;
            }
            var line = ParseLine(lineText, eol, section, name, number);
            if (line.Kind == IniLineKind.Section) section = line.Section;
            result.Add(line);
        }
        return result;
    }

    static IniLine ParseLine(string text, string eol, string section, string name, int number)
    {
        var trimmed = text.AsSpan().Trim();
        if (trimmed.IsEmpty)
            return new IniLine { Text = text, Eol = eol, Kind = IniLineKind.Blank, Section = section };
        if (trimmed[0] is ';' or '#')
            return new IniLine { Text = text, Eol = eol, Kind = IniLineKind.Comment, Section = section };
        if (trimmed[0] == '[')
        {
            int close = trimmed.IndexOf(']');
            if (close < 0) throw new IniParseException(name, number, "section header has no closing ']'");
            var header = trimmed[1..close].Trim();
            if (header.IsEmpty) throw new IniParseException(name, number, "empty section name '[]'");
            var after = trimmed[(close + 1)..].Trim();
            if (!after.IsEmpty && after[0] is not (';' or '#'))
                throw new IniParseException(name, number, $"unexpected text after section header: '{after}'");
            return new IniLine { Text = text, Eol = eol, Kind = IniLineKind.Section, Section = header.ToString() };
        }
        int eq = text.IndexOf('=');
        if (eq < 0) throw new IniParseException(name, number, $"expected KEY=VALUE, [SECTION] or a comment, found '{Shorten(trimmed)}'");
        string key = text[..eq].Trim();
        if (key.Length == 0) throw new IniParseException(name, number, "line has a value but no key");

        int start = eq + 1;
        while (start < text.Length && char.IsWhiteSpace(text[start])) start++;
        // The value is the rest of the line: acServer has no inline comments ("NAME=Lega Corsa #1 - …" is one name).
        int stop = text.Length;
        while (stop > start && char.IsWhiteSpace(text[stop - 1])) stop--;
        return new IniLine
        {
            Text = text, Eol = eol, Kind = IniLineKind.Entry, Section = section,
            Key = key, ValueStart = start, ValueLength = stop - start,
        };
    }

    static string Shorten(ReadOnlySpan<char> s) => s.Length <= 40 ? s.ToString() : string.Concat(s[..40], "…");

    public byte[] ToBytes()
    {
        var sb = new StringBuilder();
        foreach (var l in lines) sb.Append(l.Text).Append(l.Eol);
        var body = encoding.GetBytes(sb.ToString());
        return hasBom ? [.. Utf8Bom, .. body] : body;
    }

    // ---- reading ----

    /// <summary>Distinct section names in file order.</summary>
    public IReadOnlyList<string> Sections()
    {
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var names = new List<string>();
        foreach (var l in lines)
            if (l.Kind == IniLineKind.Section && seen.Add(l.Section)) names.Add(l.Section);
        return names;
    }

    public bool HasSection(string section) => Index.ContainsKey(section);

    /// <summary>The value of the first <paramref name="key"/> in <paramref name="section"/>, or null.</summary>
    public string? Get(string section, string key) => FindEntry(section, key) is int i ? lines[i].Value : null;

    /// <summary>Every key=value of a section in file order (first occurrence of each key).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Entries(string section)
    {
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var list = new List<KeyValuePair<string, string>>();
        if (Index.TryGetValue(section, out var entries))
            foreach (int i in entries)
                if (seen.Add(lines[i].Key)) list.Add(new(lines[i].Key, lines[i].Value));
        return list;
    }

    int? FindEntry(string section, string key)
    {
        if (Index.TryGetValue(section, out var entries))
            foreach (int i in entries)
                if (Same(lines[i].Key, key)) return i;
        return null;
    }

    /// <summary>Section name → its entry lines (indexes into <see cref="lines"/>), in file order; rebuilt after an edit.</summary>
    Dictionary<string, List<int>> Index
    {
        get
        {
            if (index is not null) return index;
            var built = new Dictionary<string, List<int>>(StringComparer.OrdinalIgnoreCase);
            for (int i = 0; i < lines.Count; i++)
            {
                var l = lines[i];
                if (l.Kind is not (IniLineKind.Section or IniLineKind.Entry)) continue;
                if (!built.TryGetValue(l.Section, out var entries)) built[l.Section] = entries = [];
                if (l.Kind == IniLineKind.Entry) entries.Add(i);
            }
            return index = built;
        }
    }
    Dictionary<string, List<int>>? index;

    static bool Same(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);

    /// <summary>The 1-based line of <paramref name="key"/> in <paramref name="section"/> (or of the section's header when key is null), for error messages; 0 if absent.</summary>
    public int LineOf(string section, string? key = null)
    {
        if (key is not null) return FindEntry(section, key) is int i ? i + 1 : 0;
        return 1 + lines.FindIndex(l => l.Kind == IniLineKind.Section && Same(l.Section, section));
    }

    // ---- editing: each changes only the lines it must ----

    /// <summary>Sets a value in place (keeping the key's spelling and spacing), or adds the key at the end of the section.</summary>
    public void Set(string section, string key, string value)
    {
        if (FindEntry(section, key) is int i)
        {
            var old = lines[i];
            if (old.Value == value) return;
            string text = string.Concat(old.Text.AsSpan(0, old.ValueStart), value, old.Text.AsSpan(old.ValueStart + old.ValueLength));
            index = null;
            lines[i] = new IniLine
            {
                Text = text, Eol = old.Eol, Kind = IniLineKind.Entry, Section = old.Section,
                Key = old.Key, ValueStart = old.ValueStart, ValueLength = value.Length,
            };
            return;
        }
        int header = lines.FindIndex(l => l.Kind == IniLineKind.Section && Same(l.Section, section));
        if (header < 0) throw new InvalidOperationException($"no section [{section}] in {Name}");
        int last = LastContentLine(header);
        InsertAfter(last, [EntryLine(section, key, value, StyleOf(header))]);
    }

    /// <summary>Removes every line of <paramref name="key"/> in <paramref name="section"/>; returns whether any was there.</summary>
    public bool Remove(string section, string key)
    {
        index = null;
        return lines.RemoveAll(l => l.Kind == IniLineKind.Entry && Same(l.Section, section) && Same(l.Key, key)) > 0;
    }

    /// <summary>Index of the last header or entry line of the section starting at <paramref name="header"/>.</summary>
    int LastContentLine(int header)
    {
        int last = header;
        for (int i = header + 1; i < lines.Count && lines[i].Kind != IniLineKind.Section; i++)
            if (lines[i].Kind == IniLineKind.Entry) last = i;
        return last;
    }

    /// <summary>The text between key and value the file uses ("=" or " = "), taken from the nearest entry.</summary>
    string StyleOf(int near)
    {
        var entry = lines.Skip(near).FirstOrDefault(l => l.Kind == IniLineKind.Entry)
                    ?? lines.FirstOrDefault(l => l.Kind == IniLineKind.Entry);
        if (entry is null) return "=";
        int eq = entry.Text.IndexOf('=');
        int keyEnd = eq;
        while (keyEnd > 0 && char.IsWhiteSpace(entry.Text[keyEnd - 1])) keyEnd--;
        return entry.Text[keyEnd..entry.ValueStart];
    }

    IniLine EntryLine(string section, string key, string value, string separator) => new()
    {
        Text = key + separator + value, Eol = NewLine, Kind = IniLineKind.Entry, Section = section,
        Key = key, ValueStart = key.Length + separator.Length, ValueLength = value.Length,
    };

    void InsertAfter(int index, IReadOnlyList<IniLine> added)
    {
        // A last line without an ending gets one, so the new lines start on their own line;
        // the new last line then has none, as the file had.
        if (index == lines.Count - 1 && lines[index].Eol.Length == 0)
        {
            // Lines may be shared with the copies of a cached document: replace, never change one in place.
            lines[index] = lines[index].Copy();
            lines[index].Eol = NewLine;
            added[^1].Eol = "";
        }
        this.index = null;
        lines.InsertRange(index + 1, added);
    }

    /// <summary>
    /// Adds <c>[section]</c> with <paramref name="entries"/> after the last of <paramref name="after"/>
    /// sections present (or at the end), separated by a blank line as the file does.
    /// </summary>
    public void AddSection(string section, IEnumerable<KeyValuePair<string, string>> entries, IEnumerable<string> after)
    {
        if (HasSection(section)) throw new InvalidOperationException($"[{section}] already in {Name}");
        int anchor = -1;
        var anchors = new HashSet<string>(after, StringComparer.OrdinalIgnoreCase);
        for (int i = 0; i < lines.Count; i++)
            if (lines[i].Kind == IniLineKind.Section && anchors.Contains(lines[i].Section)) anchor = LastContentLine(i);
        if (anchor < 0) anchor = lines.Count - 1;
        string separator = StyleOf(Math.Max(anchor, 0));
        var block = new List<IniLine>
        {
            new() { Text = "", Eol = NewLine, Kind = IniLineKind.Blank, Section = lines.Count > 0 && anchor >= 0 ? lines[anchor].Section : "" },
            new() { Text = "[" + section + "]", Eol = NewLine, Kind = IniLineKind.Section, Section = section },
        };
        foreach (var kv in entries) block.Add(EntryLine(section, kv.Key, kv.Value, separator));
        if (anchor < 0) { block.RemoveAt(0); index = null; lines.AddRange(block); return; }
        InsertAfter(anchor, block);
    }

    /// <summary>
    /// Removes a section: its header, its lines, the comment lines directly above the header, and the
    /// blank lines that separated it from the next section. Returns whether it was there.
    /// </summary>
    public bool RemoveSection(string section)
    {
        int header = lines.FindIndex(l => l.Kind == IniLineKind.Section && Same(l.Section, section));
        if (header < 0) return false;
        int first = header;
        while (first > 0 && lines[first - 1].Kind == IniLineKind.Comment) first--;
        int end = header + 1;
        while (end < lines.Count && lines[end].Kind != IniLineKind.Section) end++;
        // Comments directly above the next header belong to it.
        int keep = end;
        while (keep > header + 1 && lines[keep - 1].Kind == IniLineKind.Comment) keep--;
        end = keep;
        bool wasLast = end == lines.Count;
        index = null;
        lines.RemoveRange(first, end - first);
        if (wasLast && first > 0)
        {
            // The section ended the file: drop the blank lines left before it, so the file ends as it did.
            while (lines.Count > 1 && lines[^1].Kind == IniLineKind.Blank) lines.RemoveAt(lines.Count - 1);
        }
        return true;
    }

    /// <summary>
    /// The lines of each section as a block: leading comments directly above the header, the header,
    /// and everything up to the next block. Lines before the first section come back as the prefix.
    /// Concatenating prefix and blocks gives the document back.
    /// </summary>
    public (List<IniLine> Prefix, List<(string Section, List<IniLine> Lines)> Blocks) SectionBlocks()
    {
        var starts = new List<int>();
        for (int i = 0; i < lines.Count; i++)
        {
            if (lines[i].Kind != IniLineKind.Section) continue;
            int s = i;
            while (s > 0 && lines[s - 1].Kind == IniLineKind.Comment && (starts.Count == 0 || s - 1 > starts[^1])) s--;
            starts.Add(s);
        }
        var prefix = lines.Take(starts.Count > 0 ? starts[0] : lines.Count).ToList();
        var blocks = new List<(string, List<IniLine>)>();
        for (int b = 0; b < starts.Count; b++)
        {
            int end = b + 1 < starts.Count ? starts[b + 1] : lines.Count;
            var block = lines.GetRange(starts[b], end - starts[b]);
            blocks.Add((block.First(l => l.Kind == IniLineKind.Section).Section, block));
        }
        return (prefix, blocks);
    }

    /// <summary>
    /// A copy that can be edited without touching this one (edits replace lines, so the lines themselves are
    /// shared): how <see cref="ServerFolder.Load"/> hands out the one parsed copy it keeps per file version.
    /// </summary>
    public IniDocument Copy() => new(Name, [.. lines], hasBom, encoding) { index = index };

    /// <summary>A new document from whole lines, keeping this file's BOM and encoding.</summary>
    public IniDocument WithLines(IEnumerable<IniLine> newLines) => new(Name, newLines.ToList(), hasBom, encoding);

    /// <summary>A header line for <paramref name="section"/> that keeps the spacing and trailing comment of <paramref name="old"/>.</summary>
    public static IniLine RenamedHeader(IniLine old, string section)
    {
        int open = old.Text.IndexOf('['), close = old.Text.IndexOf(']');
        return new IniLine
        {
            Text = string.Concat(old.Text.AsSpan(0, open + 1), section, old.Text.AsSpan(close)),
            Eol = old.Eol, Kind = IniLineKind.Section, Section = section,
        };
    }
}
