namespace AcWs;

/// <summary>
/// <c>acws --demo</c>: a sample server folder, embedded in the binary, unpacked into a temp directory that lives
/// exactly as long as acws: removed on every way out of <see cref="Serve.RunAsync"/>, and one left by an acws that
/// could not clean up (SIGKILL, a power cut) is removed by the next <c>--demo</c>.
/// </summary>
public static partial class Demo
{
    const string Prefix = "acws-demo-";

    public static string CreateFolder()
    {
        string root = Path.Combine(Path.GetTempPath(), $"{Prefix}{DateTime.Now:yyyyMMdd-HHmmss}-{Environment.ProcessId}");
        var assembly = typeof(Demo).Assembly;
        foreach (string resource in assembly.GetManifestResourceNames())
        {
            string name = resource.Replace('\\', '/');
            if (!name.StartsWith("demo/", StringComparison.Ordinal)) continue;
            string target = Path.Combine(root, name["demo/".Length..].Replace('/', Path.DirectorySeparatorChar));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            using var source = assembly.GetManifestResourceStream(resource)!;
            using var file = File.Create(target);
            source.CopyTo(file);
        }
        return root;
    }

    /// <summary>Removes a demo folder; returns why it could not, or null.</summary>
    public static string? RemoveFolder(string root)
    {
        // A child that was just stopped may still be closing a log file in it: a few tries, not one.
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
                return null;
            }
            catch (UnauthorizedAccessException e) { return $"could not remove the demo folder {root}: {e.Message}"; }
            catch (IOException e)
            {
                if (attempt == 20) return $"could not remove the demo folder {root}: {e.Message}";
                Thread.Sleep(50);
            }
        }
    }

    /// <summary>Demo folders whose acws (the PID in the name) is no longer running: removed, and their paths returned.</summary>
    public static List<string> RemoveLeftovers()
    {
        var removed = new List<string>();
        string[] candidates;
        try { candidates = Directory.GetDirectories(Path.GetTempPath(), Prefix + "*"); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return removed; }
        foreach (string dir in candidates)
        {
            // Only names CreateFolder makes (acws-demo-20261126-091835-15830) whose PID is not running.
            var name = FolderName().Match(Path.GetFileName(dir));
            if (!name.Success || ServerFolder.IsOtherLiveProcess(name.Groups[1].Value)) continue;
            // Someone else's folder (another user's acws) cannot be removed: that is theirs to do.
            if (RemoveFolder(dir) is null) removed.Add(dir);
        }
        return removed;
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^acws-demo-\d{8}-\d{6}-(\d+)$")]
    private static partial System.Text.RegularExpressions.Regex FolderName();
}
