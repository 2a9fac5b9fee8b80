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
