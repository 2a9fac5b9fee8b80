namespace AcWs.Demo;

/// <summary><c>acws --demo</c>: a sample server folder, embedded in the binary, unpacked into a temp directory.</summary>
public static class DemoFolder
{
    public static string CreateFolder()
    {
        string root = Path.Combine(Path.GetTempPath(), $"acws-demo-{DateTime.Now:yyyyMMdd-HHmmss}-{Environment.ProcessId}");
        var assembly = typeof(DemoFolder).Assembly;
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
}
