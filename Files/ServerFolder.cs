using System.Collections.Concurrent;
using System.Globalization;
using AcWs.Ini;

namespace AcWs.Files;

/// <summary>The Assetto Corsa server folder acws serves: where its files are, and reading them with clear errors.</summary>
public sealed class ServerFolder(string root)
{
    public const string ServerCfg = "cfg/server_cfg.ini";
    public const string EntryListIni = "cfg/entry_list.ini";
    public const string ResultsDir = "results";

    public string Root { get; } = Path.GetFullPath(root);

    public string PathOf(string relative) => Path.Combine(Root, relative.Replace('/', Path.DirectorySeparatorChar));

    public const string LogsDir = "logs/acws";

    /// <summary>The biggest file acws reads (an ini or a results file); a bigger one is refused from its size, unread.</summary>
    public const int MaxReadBytes = 16 * 1024 * 1024;

    readonly Lock writing = new();

    /// <summary>A stamp for file names, e.g. 20260722-104232 (local time, as the server's own logs).</summary>
    public static string Stamp(DateTime time) => time.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);

    /// <summary>
    /// Replaces a file so that no reader ever sees half of it, and neither does anyone after a crash: the previous
    /// version is kept as a timestamped copy under logs/acws/ and as <c>FILE.old</c>, then the new bytes go to a temp
    /// file next to the file (next to its target, for a link), are fsynced and renamed over it. Each backup is
    /// written the same way. Returns an error message, or null on success.
    /// <paramref name="beforeRename"/> lets a test stand in for a crash at the worst moment.
    /// </summary>
    public string? WriteAtomically(string relative, byte[] bytes, Action? beforeRename = null)
    {
        lock (writing)
        {
            byte[]? current;
            try { current = File.Exists(PathOf(relative)) ? ReadBytes(PathOf(relative)).Bytes : null; }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return $"cannot read {relative}: {e.Message}; nothing was written"; }
            return Replace(relative, current, bytes, beforeRename);
        }
    }

    /// <summary>
    /// <see cref="WriteAtomically"/>, but only if the file on disk still satisfies <paramref name="unchanged"/>:
    /// the check and the write happen under one lock, so nothing acws writes can slip in between.
    /// Returns (false, null) when written, (true, null) when the file changed, or an error.
    /// </summary>
    public (bool Changed, string? Error) ReplaceIfUnchanged(string relative, Func<byte[], bool> unchanged, byte[] bytes, Action? beforeRename = null)
    {
        lock (writing)
        {
            byte[] current;
            try { current = ReadBytes(PathOf(relative)).Bytes; }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return (false, $"cannot read {relative}: {e.Message}; nothing was written"); }
            if (!unchanged(current)) return (true, null);
            return (false, Replace(relative, current, bytes, beforeRename));
        }
    }

    string? Replace(string relative, byte[]? current, byte[] bytes, Action? beforeRename)
    {
        string path = PathOf(relative);
        try
        {
            // A link stays a link: the target is what gets replaced.
            string target = FinalTarget(path);
            UnixFileMode? mode = OperatingSystem.IsWindows() || !File.Exists(target) ? null : File.GetUnixFileMode(target);
            if (current is not null)
            {
                CopyToLogs(path, current, mode, Stamp(DateTime.Now));
                WriteDurably(FinalTarget(path + ".old"), current, mode);
            }
            WriteDurably(target, bytes, mode, beforeRename);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"cannot write {relative}: {e.Message}; the file was not changed";
        }
    }

    static string FinalTarget(string path) =>
        new FileInfo(path).LinkTarget is not null && File.ResolveLinkTarget(path, returnFinalTarget: true) is { } target
            ? Path.GetFullPath(target.FullName) : path;

    // ---- the one way acws writes a file: temp file (0600), fsync, rename, fsync of the folder ----

    /// <summary>Temp files are <c>.NAME.acws-tmp-PID-N</c> in the folder of the file they become, so a later start can find leftovers.</summary>
    const string TempMarker = ".acws-tmp-";
    static long tempCount;

    /// <summary>
    /// The PID in the name of a temp file acws writes (<c>.NAME.acws-tmp-PID-N</c>, or an older acws's
    /// <c>NAME.acws-PID.tmp</c>), or null for any other name. Hand-written: a regex engine costs the binary ~100 KB.
    /// </summary>
    static string? TempFilePid(string name)
    {
        int at = name.LastIndexOf(".acws-tmp-", StringComparison.Ordinal);
        if (at > 1 && name[0] == '.' && name[(at + ".acws-tmp-".Length)..].Split('-') is [var pid, var n] && Digits(pid) && Digits(n))
            return pid;
        if (name.EndsWith(".tmp", StringComparison.Ordinal) && name[..^4] is var stem
            && stem.LastIndexOf(".acws-", StringComparison.Ordinal) is int dot and > 0 && Digits(stem[(dot + 6)..]))
            return stem[(dot + 6)..];
        return null;
    }

    static bool Digits(string s) => s.Length > 0 && s.All(char.IsAsciiDigit);

    /// <summary>Writes <paramref name="bytes"/> to <paramref name="target"/> so that it holds either all of them or what it held before.</summary>
    static void WriteDurably(string target, ReadOnlySpan<byte> bytes, UnixFileMode? mode, Action? beforeRename = null) =>
        WriteThenRename(target, bytes, mode, temp =>
        {
            beforeRename?.Invoke();
            File.Move(temp, target, overwrite: true);
            return target;
        });

    /// <summary>Writes a temp file next to <paramref name="near"/>, fsyncs it, and lets <paramref name="rename"/> move it into place.</summary>
    static string WriteThenRename(string near, ReadOnlySpan<byte> bytes, UnixFileMode? mode, Func<string, string> rename)
    {
        string folder = Path.GetDirectoryName(near)!;
        string temp = Path.Combine(folder, $".{Path.GetFileName(near)}{TempMarker}{Environment.ProcessId}-{Interlocked.Increment(ref tempCount)}");
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        try
        {
            using (var file = new FileStream(temp, options))
            {
                file.Write(bytes);
                if (mode is { } m && !OperatingSystem.IsWindows()) File.SetUnixFileMode(file.SafeFileHandle, m);
                file.Flush(flushToDisk: true);
            }
            string placed = rename(temp);
            PosixFile.SyncFolder(folder);
            return placed;
        }
        catch
        {
            try { File.Delete(temp); } catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
            throw;
        }
    }

    /// <summary>Keeps a copy of a file as logs/acws/NAME-STAMP.EXT (never overwriting an earlier copy, keeping its mode); no-op if it does not exist.</summary>
    public void CopyToLogs(string relative, string stamp)
    {
        string path = PathOf(relative);
        if (!File.Exists(path)) return;
        var bytes = ReadBytes(path).Bytes;
        CopyToLogs(path, bytes, OperatingSystem.IsWindows() ? null : File.GetUnixFileMode(path), stamp);
    }

    void CopyToLogs(string path, byte[] bytes, UnixFileMode? mode, string stamp)
    {
        string logs = PathOf(LogsDir);
        Directory.CreateDirectory(logs);
        string baseName = $"{Path.GetFileNameWithoutExtension(path)}-{stamp}", extension = Path.GetExtension(path);
        WriteThenRename(Path.Combine(logs, baseName + extension), bytes, mode, temp =>
        {
            foreach (var candidate in Candidates(logs, baseName, extension))
            {
                try { File.Move(temp, candidate, overwrite: false); return candidate; }
                catch (IOException) when (File.Exists(candidate)) { }
            }
            throw new IOException($"too many copies named {baseName}{extension} in {LogsDir}");
        });
    }

    /// <summary>BASE.EXT, then BASE-2.EXT, BASE-3.EXT … (up to 999) so nothing earlier is overwritten.</summary>
    static IEnumerable<string> Candidates(string folder, string baseName, string extension) =>
        Enumerable.Range(1, 999).Select(n => Path.Combine(folder, n == 1 ? baseName + extension : $"{baseName}-{n}{extension}"));

    /// <summary>Creates a new file under logs/acws/ named BASE.EXT, or BASE-2.EXT… so nothing earlier is overwritten.</summary>
    public (string Path, FileStream Stream) CreateLog(string baseName, string extension)
    {
        string logs = PathOf(LogsDir);
        Directory.CreateDirectory(logs);
        foreach (var candidate in Candidates(logs, baseName, extension))
        {
            try { return (candidate, new FileStream(candidate, FileMode.CreateNew, FileAccess.Write, FileShare.Read)); }
            catch (IOException) when (File.Exists(candidate)) { }
        }
        throw new IOException($"too many files named {baseName}{extension} in {LogsDir}");
    }

    // ---- at start: leftovers of a crash, and old logs ----

    /// <summary>
    /// Removes temp files a killed acws left in cfg/ (and next to the targets of linked cfg files) and logs/acws/;
    /// those of another acws still running are left alone. Returns the paths removed, relative to the folder.
    /// </summary>
    public IReadOnlyList<string> RemoveLeftoverTempFiles()
    {
        var folders = new HashSet<string>(StringComparer.Ordinal) { PathOf("cfg"), PathOf(LogsDir) };
        foreach (var relative in new[] { ServerCfg, EntryListIni })
        {
            try { folders.Add(Path.GetDirectoryName(FinalTarget(PathOf(relative)))!); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
        var removed = new List<string>();
        foreach (var folder in folders.Where(Directory.Exists))
            foreach (var file in Directory.EnumerateFiles(folder))
            {
                if (TempFilePid(Path.GetFileName(file)) is not { } pid || IsOtherLiveProcess(pid)) continue;
                try { File.Delete(file); removed.Add(Path.GetRelativePath(Root, file).Replace('\\', '/')); }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
            }
        return removed;
    }

    public static bool IsOtherLiveProcess(string pidText)
    {
        if (!int.TryParse(pidText, NumberStyles.None, CultureInfo.InvariantCulture, out int pid) || pid == Environment.ProcessId) return false;
        try { using var p = System.Diagnostics.Process.GetProcessById(pid); return !p.HasExited; }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException) { return false; }
    }

    /// <summary>The <c>YYYYMMDD-HHMMSS</c> stamp of a file name <c>…-STAMP[-N].EXT</c> in logs/acws/, or null.</summary>
    static string? StampOfName(string name)
    {
        int ext = name.LastIndexOf('.');
        if (ext <= 0 || ext == name.Length - 1 || name[(ext + 1)..].Contains('.')) return null;
        var parts = name[..ext].Split('-');
        // …-DATE-TIME or …-DATE-TIME-N, with something before the stamp.
        for (int date = parts.Length - 2; date >= Math.Max(1, parts.Length - 3); date--)
        {
            bool counted = date == parts.Length - 3;
            if (parts[date].Length == 8 && Digits(parts[date]) && parts[date + 1].Length == 6 && Digits(parts[date + 1])
                && (!counted || Digits(parts[^1])))
                return $"{parts[date]}-{parts[date + 1]}";
        }
        return null;
    }

    /// <summary>
    /// Keeps the files of the newest <paramref name="runs"/> stamps in logs/acws/ (one acServer or stracker start
    /// leaves its log and config copies under one stamp; each write leaves its backup copy under its own) and
    /// removes the older ones. Files without a stamp are left alone. Returns the paths removed.
    /// </summary>
    public IReadOnlyList<string> PruneLogs(int runs)
    {
        string logs = PathOf(LogsDir);
        if (!Directory.Exists(logs)) return [];
        var stamped = Directory.EnumerateFiles(logs)
            .Select(f => (File: f, Stamp: StampOfName(Path.GetFileName(f))))
            .Where(f => f.Stamp is not null)
            .GroupBy(f => f.Stamp!, StringComparer.Ordinal)
            .OrderByDescending(g => g.Key, StringComparer.Ordinal);
        var removed = new List<string>();
        foreach (var file in stamped.Skip(runs).SelectMany(g => g))
        {
            try { File.Delete(file.File); removed.Add(Path.GetRelativePath(Root, file.File).Replace('\\', '/')); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
        return removed;
    }

    // ---- reading ----

    static (byte[] Bytes, FileStamp Stamp) ReadBytes(string path)
    {
        var (buffer, length, stamp) = PosixFile.ReadRegular(path, MaxReadBytes, n => new byte[n]);
        return (buffer.AsSpan(0, length).ToArray(), stamp);
    }

    /// <summary>
    /// One kept read per file (an ini file's parse, what <c>extra_cfg.yml</c> says): the stamp of the version it came
    /// from (null: there was no file), when it was read, what it gave, and when the disk was last seen to agree (null:
    /// look again at every call).
    /// </summary>
    sealed record KeptRead(FileStamp? Stamp, long ReadAtNs, object Value, Checked? Checked);

    readonly ConcurrentDictionary<string, KeptRead> kept = new();

    FolderWatch? watch;
    int watchOpened;

    /// <summary>How long a look at the disk vouches for a file even with no change reported (network file systems report none).</summary>
    const long TrustMs = 1000;

    /// <summary>The moment a kept read was last seen to match the disk: the watch's generation before that look, and the time.</summary>
    readonly record struct Checked(long Generation, long AtMs);

    /// <summary>
    /// What <paramref name="read"/> makes of the file at <paramref name="relative"/> (given its path and its stamp, null
    /// when there is no file), kept while the file keeps the same size, times and inode. A file changed less than 2 s
    /// before it was read is read again on the next call (file system clocks may tick coarser than edits come). While
    /// the cfg/ watch reports no change, for at most <see cref="TrustMs"/>, a kept read is not even looked at again
    /// (<see cref="FolderWatch"/>). <paramref name="read"/> returns the value and the stamp of what it read; what it
    /// throws is not kept. Throws IOException when the file cannot be looked at.
    /// </summary>
    public T ReadKept<T>(string relative, Func<string, string, FileStamp?, (T Value, FileStamp? Stamp)> read) where T : notnull
    {
        bool known = kept.TryGetValue(relative, out var hit);
        if (known && Unchanged(hit!.Checked)) return (T)hit.Value;
        var before = BeforeLooking();
        string path = PathOf(relative);
        var stamp = PosixFile.StampIfPresent(path);
        if (known && hit!.Stamp == stamp && (stamp is not { } found || PosixFile.Settled(found, hit.ReadAtNs)))
        {
            kept[relative] = hit with { Checked = Vouched(before, relative, settled: true) };
            return (T)hit.Value;
        }
        if (stamp is not null) NonBlocking.Check($"reading {relative}");
        long readAt = PosixFile.UnixNs(DateTime.UtcNow);
        var (value, readStamp) = read(relative, path, stamp);
        kept[relative] = new KeptRead(readStamp, readAt, value, Vouched(before, relative, readStamp is not { } s || PosixFile.Settled(s, readAt)));
        return value;
    }

    FolderWatch? Watch()
    {
        if (Interlocked.Exchange(ref watchOpened, 1) == 0)
            Volatile.Write(ref watch, FolderWatch.Open(Root, Path.Combine(Root, "cfg")));
        return Volatile.Read(ref watch);
    }

    /// <summary>
    /// Taken before looking at the disk (a stat): if nothing changes after it, what that look found still holds.
    /// Null where no watch can vouch (see <see cref="FolderWatch"/>).
    /// </summary>
    Checked? BeforeLooking() => Watch() is { Vouches: true } w ? new Checked(w.Generation(), Environment.TickCount64) : null;

    /// <summary>Whether a read checked at <paramref name="at"/> still holds: nothing in cfg/ changed since, less than <see cref="TrustMs"/> ago.</summary>
    bool Unchanged(Checked? at) =>
        at is { } c && Environment.TickCount64 - c.AtMs < TrustMs && watch is { Vouches: true } w && w.Generation() == c.Generation;

    /// <summary>
    /// <paramref name="before"/> for a file the watch sees (directly in cfg/, not a link, whose target could change
    /// elsewhere) whose read can be kept (<paramref name="settled"/>); otherwise null.
    /// </summary>
    Checked? Vouched(Checked? before, string relative, bool settled) =>
        before is not null && settled && relative.StartsWith("cfg/", StringComparison.Ordinal) && relative.IndexOf('/', 4) < 0
        && !PosixFile.IsLink(PathOf(relative)) ? before : null;

    /// <summary>
    /// Reads and parses an ini file; on failure returns a message naming the file, never throws. The parse is
    /// reused while the file's size, modification and change times and inode stay the same; each caller gets
    /// its own copy to edit. No lock is held while reading or parsing.
    /// </summary>
    public (IniDocument? Ini, string? Error) Load(string relative)
    {
        var (ini, error) = Peek(relative);
        return (ini?.Copy(), error);
    }

    /// <summary>
    /// <see cref="Load"/> without the copy, for readers that never edit it (read-only commands): the same parsed
    /// instance while the file is unchanged, so what is derived from it can be kept by reference.
    /// </summary>
    public (IniDocument? Ini, string? Error) Peek(string relative)
    {
        try
        {
            return (ReadKept(relative, static (relative, path, stamp) =>
            {
                if (stamp is null) throw new FileNotFoundException("not found", path);
                var (bytes, readStamp) = ReadBytes(path);
                var ini = IniDocument.Parse(bytes, relative);
                ini.HasSection(""); // builds its section index now: shared instances are only read
                return (ini, (FileStamp?)readStamp);
            }), null);
        }
        catch (FileNotFoundException) { return (null, $"{relative} not found in {Root}"); }
        catch (DirectoryNotFoundException) { return (null, $"{relative} not found in {Root}"); }
        catch (IniParseException e) { return (null, e.Message); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (null, $"cannot read {relative}: {e.Message}");
        }
    }
}
