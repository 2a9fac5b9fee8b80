using System.Globalization;
using AcWs.Files;

namespace AcWs.Results;

/// <summary>The results/ folder on disk: naming a file safely, finding the latest race, reading one.</summary>
public static class ResultFiles
{
    /// <summary>
    /// The date-time and session type in a results file name — 2019_2_15_21_16_RACE.json is year, month, day,
    /// hour, minute (no zero padding), type — or null if the name does not follow acServer's pattern.
    /// </summary>
    public static (DateTime When, string Type)? NameInfo(string fileName)
    {
        if (!fileName.EndsWith(".json", StringComparison.OrdinalIgnoreCase)) return null;
        var parts = fileName[..^".json".Length].Split('_');
        if (parts.Length != 6 || parts[5].Length == 0 || !parts[5].All(char.IsAsciiLetter)) return null;
        var numbers = new int[5];
        for (int i = 0; i < 5; i++)
        {
            int maxDigits = i == 0 ? 4 : 2;
            if (parts[i].Length == 0 || parts[i].Length > maxDigits || (i == 0 && parts[i].Length != 4)
                || !int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out numbers[i])) return null;
        }
        try { return (new DateTime(numbers[0], numbers[1], numbers[2], numbers[3], numbers[4], 0), parts[5].ToUpperInvariant()); }
        catch (ArgumentOutOfRangeException) { return null; }
    }

    /// <summary>
    /// Turns what a client typed (<c>2019_2_15_21_16_RACE.json</c> or <c>results/2019_2_15_21_16_RACE.json</c>)
    /// into the server-folder-relative path of a file directly in results/. Anything else — absolute paths,
    /// sub-folders, "..", a link pointing out of results/ — is refused.
    /// </summary>
    public static (string? Relative, string? Error) Resolve(ServerFolder folder, string typed)
    {
        string name = typed.Replace('\\', '/');
        if (name.StartsWith(ServerFolder.ResultsDir + "/", StringComparison.OrdinalIgnoreCase)) name = name[(ServerFolder.ResultsDir.Length + 1)..];
        string refused = $"'{typed}' is not a file in results/: give a results file name such as results/2019_2_15_21_16_RACE.json";
        if (name.Length == 0 || name.Contains('/') || name is "." or ".." || Path.IsPathRooted(typed) || name.Contains(':'))
            return (null, refused);

        string relative = ServerFolder.ResultsDir + "/" + name;
        string path = folder.PathOf(relative);
        if (!File.Exists(path)) return (null, $"{relative} not found");
        try
        {
            var target = File.ResolveLinkTarget(path, returnFinalTarget: true);
            if (target is not null)
            {
                string dir = Path.GetFullPath(folder.PathOf(ServerFolder.ResultsDir));
                string resolvedDir = Directory.ResolveLinkTarget(dir, returnFinalTarget: true)?.FullName ?? dir;
                string? targetDir = Path.GetDirectoryName(Path.GetFullPath(target.FullName));
                if (!string.Equals(targetDir, resolvedDir, StringComparison.Ordinal) && !string.Equals(targetDir, dir, StringComparison.Ordinal))
                    return (null, refused);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return (null, $"cannot read {relative}: {e.Message}"); }
        return (relative, null);
    }

    /// <summary>How many results files are read at once (each needs a buffer as big as the file, up to the limit).</summary>
    static readonly int readers = Math.Max(1, Environment.ProcessorCount);
    static readonly SemaphoreSlim readerSlots = new(readers, readers);
    /// <summary>One buffer per reader slot, kept for the next read: at most <see cref="readers"/> × the size limit.</summary>
    static readonly System.Collections.Concurrent.ConcurrentBag<byte[]> buffers = [];

    /// <summary>A turn to read results files: waits (without holding a thread) while <see cref="readers"/> others read.</summary>
    public static async Task<IDisposable> ReadingTurnAsync()
    {
        await readerSlots.WaitAsync();
        return new Turn();
    }

    sealed class Turn : IDisposable
    {
        int done;
        public void Dispose() { if (Interlocked.Exchange(ref done, 1) == 0) readerSlots.Release(); }
    }

    /// <summary>
    /// Reads and parses a results file that must be a race; errors read "&lt;file&gt; parse FAILED: &lt;reason&gt;".
    /// Only a regular file is read (a named pipe would wait for a writer forever), and only up to
    /// <see cref="ServerFolder.MaxReadBytes"/>: a bigger file is refused from its size without being read.
    /// </summary>
    public static (RaceResult? Race, string? Error) ReadRace(ServerFolder folder, string relative)
    {
        byte[] kept = buffers.TryTake(out var taken) ? taken : [], buffer = kept;
        (RaceResult? Result, string? Error) parsed;
        try
        {
            (buffer, int length, _) = PosixFile.ReadRegular(folder.PathOf(relative), ServerFolder.MaxReadBytes,
                size => kept.Length >= size ? kept : GC.AllocateUninitializedArray<byte>(size));
            parsed = RaceResult.Parse(buffer.AsSpan(0, length), lapsAndEvents: false);
        }
        catch (FileTooBigException e) { return (null, $"{relative} parse FAILED: {e.Message} for a results file"); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (null, $"{relative} parse FAILED: cannot read it: {e.Message}");
        }
        finally { if (buffer.Length > 0) buffers.Add(buffer); }
        var (race, error) = parsed;
        if (error is not null) return (null, $"{relative} parse FAILED: {error}");
        if (!race!.IsRace) return (null, $"{relative} parse FAILED: it is a {(string.IsNullOrEmpty(race.Type) ? "file without a Type" : race.Type)} session, not a RACE");
        return (race, null);
    }

    /// <summary>
    /// The newest race: results/*.json ordered by the date-time in the name (newest first; names without one
    /// last), then by modification time; the first whose Type is RACE. A file named *_RACE.json that does not
    /// parse is an error rather than silently falling back to an older race.
    /// </summary>
    public static (string? Relative, RaceResult? Race, string? Error) LatestRace(ServerFolder folder)
    {
        string dir = folder.PathOf(ServerFolder.ResultsDir);
        if (!Directory.Exists(dir)) return (null, null, $"{ServerFolder.ResultsDir}/ not found in {folder.Root}");
        var files = new List<Candidate>();
        foreach (var f in new DirectoryInfo(dir).GetFiles("*.json"))
            if (PosixFile.IsRegularFile(f.FullName)) files.Add(new(f, files.Count));
        files.Sort(Candidate.NewestFirst);
        foreach (var candidate in files)
        {
            var info = candidate.Info;
            if (info is { Type: not RaceResult.Race }) continue;
            string relative = ServerFolder.ResultsDir + "/" + candidate.File.Name;
            var (race, error) = ReadRace(folder, relative);
            if (race is not null) return (relative, race, null);
            if (info is not null) return (null, null, error);
        }
        return (null, null, $"no race results in {ServerFolder.ResultsDir}/ (looked at {files.Count} .json files)");
    }

    // A class and a hand-written sort rather than LINQ over tuples: each tuple shape instantiates LINQ's iterators and
    // sorters anew, about 40 KB of binary for this one query.
    sealed class Candidate(FileInfo file, int index)
    {
        readonly int index = index;
        public FileInfo File { get; } = file;
        public (DateTime When, string Type)? Info { get; } = NameInfo(file.Name);
        DateTime When => Info?.When ?? DateTime.MinValue;

        /// <summary>By the date-time in the name, then the modification time, newest first; ties keep the folder's order.</summary>
        public static int NewestFirst(Candidate a, Candidate b)
        {
            int c = b.When.CompareTo(a.When);
            if (c == 0) c = b.File.LastWriteTimeUtc.CompareTo(a.File.LastWriteTimeUtc);
            return c != 0 ? c : a.index.CompareTo(b.index);
        }
    }
}
