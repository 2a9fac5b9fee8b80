using System.Text;

namespace AcWs.Files;

/// <summary>
/// AssettoServer's <c>cfg/extra_cfg.yml</c>, as far as acws reads it: whether it is there, and whether it turns on
/// the UDP plugin interface (<c>EnableLegacyPluginInterface: true|false</c>, a top-level key). acws never writes it.
/// A line scan, not a YAML parser: the one key acws needs is a plain top-level scalar.
/// </summary>
public static class ExtraCfg
{
    public const string Relative = "cfg/extra_cfg.yml";
    const string Key = "EnableLegacyPluginInterface";
    const int MaxBytes = 1024 * 1024;

    /// <summary>
    /// (present, the key's value or null when it is missing, not true/false, or the file cannot be read). Read
    /// again only when the file changed (<see cref="ServerFolder.ReadKept"/>), so <c>server info</c> stays on the
    /// socket thread (see NonBlocking).
    /// </summary>
    public static (bool Present, bool? UdpPlugin) Read(ServerFolder folder)
    {
        try
        {
            return folder.ReadKept(Relative, static (_, path, stamp) =>
                (stamp is null ? (false, null) : ReadNow(path), stamp));
        }
        catch (IOException) { return (true, null); }
    }

    static (bool Present, bool? UdpPlugin) ReadNow(string path)
    {
        string text;
        try
        {
            var (buffer, length, _) = PosixFile.ReadRegular(path, MaxBytes, n => new byte[n]);
            text = Encoding.UTF8.GetString(buffer, 0, length);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return (true, null); }
        return (true, UdpPlugin(text));
    }

    /// <summary>The value of the top-level <c>EnableLegacyPluginInterface</c> key, if it is a YAML true or false.</summary>
    public static bool? UdpPlugin(string yaml)
    {
        foreach (var raw in yaml.Split('\n'))
        {
            if (!raw.StartsWith(Key, StringComparison.Ordinal)) continue;
            string rest = raw[Key.Length..].TrimStart(' ', '\t');
            if (!rest.StartsWith(':')) continue;
            string value = rest[1..];
            if (value.IndexOf('#') is int hash and >= 0) value = value[..hash];
            return value.Trim().Trim('"', '\'') switch
            {
                "true" or "True" or "TRUE" => true,
                "false" or "False" or "FALSE" => false,
                _ => null,
            };
        }
        return null;
    }
}
