using AcWs.Files;

namespace AcWs.Runtime;

/// <summary>
/// Where stracker is and how it starts: <c>--stracker PATH</c> / <c>ACWS_STRACKER</c> (its executable or its
/// folder) wins; else the <c>stracker/</c> folder in the server folder, else the server folder. It runs in
/// that folder with <c>--stracker_ini stracker.ini</c>, the ini from that folder, else <c>cfg/stracker.ini</c>.
/// </summary>
public static class StrackerLauncher
{
    public const string Ini = "stracker.ini";
    public const string CfgIni = "cfg/stracker.ini";

    /// <summary>The executable's names inside a stracker folder, in the order they are tried.</summary>
    public static IReadOnlyList<string> ExecutableNames => OperatingSystem.IsWindows()
        ? ["stracker.exe"]
        : ["stracker", "stracker_linux_x86/stracker"];

    public static (LaunchSpec? Spec, string? Error) Resolve(Options options, ServerFolder folder)
    {
        // The demo's stracker is a stand-in: acws itself, reading the demo folder's cfg/stracker.ini.
        if (options.Demo && options.Stracker is null)
        {
            var self = ThisProgram.Command();
            return (new LaunchSpec(self.File, [.. self.Args, "--stand-in-stracker", "--stracker_ini", folder.PathOf(CfgIni)], folder.Root, []), null);
        }
        string? executable = null;
        string home;
        IReadOnlyList<string> looked;
        if (options.Stracker is { } given && File.Exists(Path.GetFullPath(given)))
        {
            executable = Path.GetFullPath(given);
            home = Path.GetDirectoryName(executable)!;
            looked = [executable];
        }
        else
        {
            IReadOnlyList<string> homes = options.Stracker is { } dir
                ? [Path.GetFullPath(dir)]
                : [folder.PathOf("stracker"), folder.Root];
            looked = [.. homes.SelectMany(h => ExecutableNames.Select(n => Path.Combine(h, n)))];
            executable = looked.FirstOrDefault(File.Exists);
            home = executable is null ? homes[0]
                : homes.First(h => executable.StartsWith(h + Path.DirectorySeparatorChar, StringComparison.Ordinal));
        }
        if (executable is null)
            return (null, $"stracker not found: looked for {string.Join(", ", looked)} ({(options.Stracker is null ? "pass --stracker PATH" : "check --stracker / ACWS_STRACKER")}); stracker not started");
        if (!LaunchSpec.IsExecutable(executable))
            return (null, $"{executable} is not executable (chmod +x it); stracker not started");

        string localIni = Path.Combine(home, Ini);
        string cfgIni = folder.PathOf(CfgIni);
        string? ini = File.Exists(localIni) ? Ini : File.Exists(cfgIni) ? cfgIni : null;
        if (ini is null)
            return (null, $"{Ini} not found: looked for {localIni} and {cfgIni}; stracker not started");
        return (new LaunchSpec(executable, ["--stracker_ini", ini], home, []), null);
    }
}
