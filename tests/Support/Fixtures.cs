namespace AcWs.Tests.Support;

/// <summary>The real Assetto Corsa files copied into tests/fixtures, and temp server folders built from them.</summary>
public static class Fixtures
{
    public static string Root => Path.Combine(AppContext.BaseDirectory, "fixtures");

    /// <summary>The repository the tests were built from (for its scripts and contrib/ files).</summary>
    public static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(dir.FullName, "publish.sh"))) dir = dir.Parent ?? throw new FileNotFoundException("no publish.sh above " + AppContext.BaseDirectory);
        return dir.FullName;
    }
    public static string Real(string relative) => Path.Combine(Root, "real", relative);
    public static string Original(string name) => Path.Combine(Root, "original", name);

    public static IEnumerable<string> AllIni() =>
        Directory.GetFiles(Path.Combine(Root, "real", "cfg"), "*.ini").Order().Select(Path.GetFileName)!;
    public static IEnumerable<string> ServerCfgs() => AllIni().Where(f => f.EndsWith("server_cfg.ini"));
    public static IEnumerable<string> EntryLists() => AllIni().Where(f => f.EndsWith("entry_list.ini"));
    public static IEnumerable<string> ResultFiles() =>
        Directory.GetFiles(Path.Combine(Root, "real", "results"), "*.json").Order().Select(Path.GetFileName)!;
}

/// <summary>A throwaway AC server folder (cfg/, results/) in the temp directory, removed on dispose.</summary>
public sealed class TempServerFolder : IDisposable
{
    public string Root { get; }

    public TempServerFolder(string serverCfg = "samuelorenzo_server_cfg.ini", string? entryList = "samuelorenzo_entry_list.ini")
    {
        Root = Path.Combine(Path.GetTempPath(), "acws-test-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Path.Combine(Root, "cfg"));
        Directory.CreateDirectory(Path.Combine(Root, "results"));
        File.Copy(Fixtures.Real("cfg/" + serverCfg), Cfg("server_cfg.ini"));
        if (entryList is not null) File.Copy(Fixtures.Real("cfg/" + entryList), Cfg("entry_list.ini"));
    }

    /// <summary>A temp folder holding the --demo files (embedded in acws): barbagallo, 9 slots, one race.</summary>
    public static TempServerFolder Demo()
    {
        var f = new TempServerFolder(entryList: null);
        var assembly = typeof(AcWs.Demo.DemoFolder).Assembly;
        foreach (var name in new[] { "cfg/server_cfg.ini", "cfg/entry_list.ini", "results/2019_2_15_21_16_RACE.json" })
        {
            using var source = assembly.GetManifestResourceStream("demo/" + name)!;
            using var target = File.Create(f.PathOf(name));
            source.CopyTo(target);
        }
        return f;
    }

    public string Cfg(string name) => Path.Combine(Root, "cfg", name);
    public string PathOf(string relative) => Path.Combine(Root, relative);

    /// <summary>
    /// Removes the folder. A child that was just stopped may still be writing in it (a log line, a results file),
    /// which makes one delete fail with "directory not empty": it tries again for up to 10 s.
    /// </summary>
    public void Dispose()
    {
        var until = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            try { if (Directory.Exists(Root)) Directory.Delete(Root, recursive: true); return; }
            catch (IOException) when (DateTime.UtcNow < until) { Thread.Sleep(50); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"test folder {Root} left behind: {e.Message}");
                return;
            }
        }
    }
}
