using System.Collections.Concurrent;
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

    /// <summary>What was read from each folder's file, kept while its stamp stays the same (see <see cref="ServerFolder.Checked"/>).</summary>
    static readonly ConcurrentDictionary<string, (FileStamp? Stamp, long ReadAtNs, (bool, bool?) Read, ServerFolder.Checked? Checked)> kept = new();

    /// <summary>
    /// (present, the key's value or null when it is missing, not true/false, or the file cannot be read). Read
    /// again only when the file's stamp changed, so <c>server info</c> stays on the socket thread (see NonBlocking);
    /// looked at again only when the folder's watch saw a change, or a second later.
    /// </summary>
    public static (bool Present, bool? UdpPlugin) Read(ServerFolder folder)
    {
        string path = folder.PathOf(Relative);
        bool known = kept.TryGetValue(path, out var hit);
        if (known && folder.Unchanged(hit.Checked)) return hit.Read;
        var before = folder.BeforeLooking();
        FileStamp? stamp;
        try { stamp = PosixFile.StampIfPresent(path); }
        catch (IOException) { return (true, null); }
        if (stamp is not { } found)
        {
            kept[path] = (null, 0, (false, null), folder.Vouched(before, Relative, settled: true));
            return (false, null);
        }
        if (known && hit.Stamp == found && PosixFile.Settled(found, hit.ReadAtNs))
        {
            kept[path] = hit with { Checked = folder.Vouched(before, Relative, settled: true) };
            return hit.Read;
        }
        NonBlocking.Check($"reading {Relative}");
        long readAt = PosixFile.UnixNs(DateTime.UtcNow);
        var read = ReadNow(path);
        kept[path] = (found, readAt, read, folder.Vouched(before, Relative, PosixFile.Settled(found, readAt)));
        return read;
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
