using AcWs.Ini;

namespace AcWs;

/// <summary>The Assetto Corsa server folder acws serves: where its files are, and reading them with clear errors.</summary>
public sealed class ServerFolder(string root)
{
    public const string ServerCfg = "cfg/server_cfg.ini";
    public const string EntryListIni = "cfg/entry_list.ini";
    public const string ResultsDir = "results";

    public string Root { get; } = Path.GetFullPath(root);

    public string PathOf(string relative) => Path.Combine(Root, relative.Replace('/', Path.DirectorySeparatorChar));

    public const string LogsDir = "logs/acws";

    readonly Lock writing = new();

    /// <summary>A stamp for file names, e.g. 20260722-104232 (local time, as the server's own logs).</summary>
    public static string Stamp(DateTime time) => time.ToString("yyyyMMdd-HHmmss", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// Replaces a file so that no reader ever sees half of it: the new bytes go to a temp file in the same
    /// folder, the previous version is kept as <c>FILE.old</c> and as a timestamped copy under logs/acws/,
    /// then the temp file is renamed over the original. Returns an error message, or null on success.
    /// <paramref name="beforeRename"/> lets a test stand in for a crash at the worst moment.
    /// </summary>
    public string? WriteAtomically(string relative, byte[] bytes, Action? beforeRename = null)
    {
        lock (writing) return Replace(relative, bytes, beforeRename);
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
            try { current = File.ReadAllBytes(PathOf(relative)); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return (false, $"cannot read {relative}: {e.Message}; nothing was written"); }
            if (!unchanged(current)) return (true, null);
            return (false, Replace(relative, bytes, beforeRename));
        }
    }

    string? Replace(string relative, byte[] bytes, Action? beforeRename)
    {
        string path = PathOf(relative);
        string temp = path + $".acws-{Environment.ProcessId}.tmp";
        {
            try
            {
                using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
                {
                    file.Write(bytes);
                    file.Flush(flushToDisk: true);
                }
                if (File.Exists(path))
                {
                    CopyToLogs(relative, Stamp(DateTime.Now));
                    File.Copy(path, path + ".old", overwrite: true);
                }
                // The new file keeps the old one's permissions (server_cfg.ini holds passwords: often 0600).
                if (!OperatingSystem.IsWindows() && File.Exists(path)) File.SetUnixFileMode(temp, File.GetUnixFileMode(path));
                beforeRename?.Invoke();
                File.Move(temp, path, overwrite: true);
                return null;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                try { File.Delete(temp); } catch (IOException) { }
                return $"cannot write {relative}: {e.Message}; the file was not changed";
            }
        }
    }

    /// <summary>Keeps a copy of a file as logs/acws/NAME-STAMP.EXT (never overwriting an earlier copy); no-op if it does not exist.</summary>
    public void CopyToLogs(string relative, string stamp)
    {
        string path = PathOf(relative);
        if (!File.Exists(path)) return;
        var (copy, stream) = CreateLog($"{Path.GetFileNameWithoutExtension(path)}-{stamp}", Path.GetExtension(path));
        using (stream) using (var source = File.OpenRead(path)) source.CopyTo(stream);
    }

    /// <summary>Creates a new file under logs/acws/ named BASE.EXT, or BASE-2.EXT… so nothing earlier is overwritten.</summary>
    public (string Path, FileStream Stream) CreateLog(string baseName, string extension)
    {
        string logs = PathOf(LogsDir);
        Directory.CreateDirectory(logs);
        for (int n = 1; ; n++)
        {
            string candidate = Path.Combine(logs, n == 1 ? baseName + extension : $"{baseName}-{n}{extension}");
            try { return (candidate, new FileStream(candidate, FileMode.CreateNew, FileAccess.Write, FileShare.Read)); }
            catch (IOException) when (File.Exists(candidate) && n < 1000) { }
        }
    }

    /// <summary>Reads and parses an ini file; on failure returns a message naming the file, never throws.</summary>
    public (IniDocument? Ini, string? Error) Load(string relative)
    {
        string path = PathOf(relative);
        try
        {
            if (!File.Exists(path)) return (null, $"{relative} not found in {Root}");
            return (IniDocument.Load(path, relative), null);
        }
        catch (IniParseException e) { return (null, e.Message); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (null, $"cannot read {relative}: {e.Message}");
        }
    }
}
