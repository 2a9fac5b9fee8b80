using System.Text.RegularExpressions;

namespace AcWs.Tests;

/// <summary>
/// The one-way house, checked on the source: each folder is one namespace, and a folder refers only to the
/// layers below it (README "Architecture"). A back-edge — say <c>Live/</c> naming a wire type of <c>Commands/</c> —
/// fails here.
/// </summary>
public class LayerTests
{
    /// <summary>Each product folder and the folders it may refer to.</summary>
    static readonly Dictionary<string, string[]> MayUse = new()
    {
        ["Ini"] = [],
        ["Files"] = ["Ini"],
        ["Results"] = ["Ini", "Files"],
        ["Live"] = ["Ini"],
        ["Runtime"] = ["Ini", "Files", "Results", "Live"],
        ["Commands"] = ["Ini", "Files", "Results", "Live", "Runtime"],
        ["Host"] = ["Ini", "Files", "Results", "Live", "Runtime", "Commands", "Demo", "StandIn"],
        ["StandIn"] = ["Ini", "Live", "Runtime"],
        ["Demo"] = ["Ini", "Files"],
        ["Remote"] = ["Runtime"],
    };

    static string SourceRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "AcWs.csproj"))) dir = dir.Parent;
        return dir?.FullName ?? throw new DirectoryNotFoundException("AcWs.csproj above the test binary");
    }

    public static IEnumerable<string> Folders() => MayUse.Keys;

    /// <summary>The code of a file without its comments and string literals (a doc comment may name any layer).</summary>
    static string Code(string path)
    {
        string text = File.ReadAllText(path);
        text = Regex.Replace(text, @"""(?:[^""\\\n]|\\.)*""", "\"\"");
        return Regex.Replace(text, @"//[^\n]*", "");
    }

    [Test]
    [MethodDataSource(nameof(Folders))]
    public async Task A_folder_is_one_namespace_and_refers_only_to_the_layers_below_it(string folder)
    {
        var files = Directory.GetFiles(Path.Combine(SourceRoot(), folder), "*.cs", SearchOption.AllDirectories);
        var layers = string.Join('|', MayUse.Keys);
        var problems = new List<string>();
        foreach (var file in files)
        {
            string code = Code(file), name = Path.GetRelativePath(SourceRoot(), file);
            if (!Regex.IsMatch(code, $@"^namespace AcWs\.{folder};", RegexOptions.Multiline))
                problems.Add($"{name}: not in namespace AcWs.{folder}");
            var references = Regex.Matches(code, $@"\busing\s+(?:static\s+)?AcWs\.({layers})\b")
                .Concat(Regex.Matches(code, $@"(?:\bAcWs\.|(?<![\w.]))({layers})\.(?=[A-Z])"));
            foreach (Match m in references)
            {
                string used = m.Groups[1].Value;
                if (used != folder && !MayUse[folder].Contains(used)) problems.Add($"{name}: refers to {used}");
            }
        }
        await Assert.That(files.Length).IsGreaterThan(0);
        await Assert.That(problems.Distinct()).IsEmpty();
    }

    /// <summary>Only Program.cs is outside the folders: it chooses the mode and hands over to Host.</summary>
    [Test]
    public async Task Every_product_source_file_lives_in_a_layer_folder()
    {
        string root = SourceRoot();
        var outside = Directory.GetFiles(root, "*.cs", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(root, f).Replace('\\', '/'))
            .Where(f => !f.StartsWith("tests/") && !f.StartsWith("bench/") && !f.Contains("/obj/") && !f.Contains("/bin/") && !f.StartsWith("obj/") && !f.StartsWith("bin/"))
            .Where(f => f != "Program.cs" && !MayUse.Keys.Any(k => f.StartsWith(k + "/")));
        await Assert.That(outside).IsEmpty();
    }
}
