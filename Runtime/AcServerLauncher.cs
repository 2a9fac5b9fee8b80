using AcWs.Ini;
using AcWs.Files;

namespace AcWs.Runtime;

/// <summary>Where acServer is and whether it may start: the checks that run before every <c>server start</c>.</summary>
public static class AcServerLauncher
{
    public static string DefaultExecutable => OperatingSystem.IsWindows() ? "acServer.exe" : "acServer";
    /// <summary>AssettoServer's executable, used when the server folder has no acServer.</summary>
    public static string AssettoServerExecutable => OperatingSystem.IsWindows() ? "AssettoServer.exe" : "AssettoServer";

    public static (LaunchSpec? Spec, string? Error) Resolve(Options options, ServerFolder folder)
    {
        string file;
        IReadOnlyList<string> args;
        if (options.Demo && options.AcServer is null)
        {
            var self = ThisProgram.Command();
            file = self.File;
            args = [.. self.Args, "--stand-in-acserver", "--auto", "--lobby", options.LobbyUrl, .. options.AssettoServer ? ["--assettoserver"] : Array.Empty<string>()];
        }
        else
        {
            file = options.AcServer is { } given ? Path.GetFullPath(given) : InFolder(folder);
            args = [];
            if (!File.Exists(file))
                return (null, options.AcServer is null
                    ? $"{DefaultExecutable} (or {AssettoServerExecutable}) not found in {folder.Root} (copy acws next to it, or pass --acserver PATH)"
                    : $"acServer executable {file} not found (check --acserver / ACWS_ACSERVER)");
            if (!LaunchSpec.IsExecutable(file))
                return (null, $"{file} is not executable (chmod +x it)");
        }
        foreach (var relative in new[] { ServerFolder.ServerCfg, ServerFolder.EntryListIni })
        {
            var (ini, error) = folder.Load(relative);
            if (error is not null) return (null, error + "; Assetto Corsa server not started");
            try
            {
                if (relative == ServerFolder.ServerCfg) ServerConfig.From(ini!);
                else EntryList.From(ini!);
            }
            catch (IniParseException e) { return (null, e.Message + "; Assetto Corsa server not started"); }
        }
        bool assetto = options.Demo && options.AcServer is null ? options.AssettoServer
            : Path.GetFileNameWithoutExtension(file).Equals("AssettoServer", StringComparison.OrdinalIgnoreCase);
        return (new LaunchSpec(file, args, folder.Root, [ServerFolder.ServerCfg, ServerFolder.EntryListIni],
            assetto ? Live.AssettoServerGrammar.Kind : null), null);
    }

    /// <summary>acServer[.exe] in the server folder, else AssettoServer[.exe] if that is there.</summary>
    static string InFolder(ServerFolder folder)
    {
        string acServer = folder.PathOf(DefaultExecutable), assetto = folder.PathOf(AssettoServerExecutable);
        return !File.Exists(acServer) && File.Exists(assetto) ? assetto : acServer;
    }
}
