using System.Net;

namespace AcWs.Runtime;

/// <summary>Bad command-line usage: exit code 2 with this one-line reason and the usage.</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>The command line and its environment fallbacks (flags win over env).</summary>
public sealed record Options
{
    public string Dir { get; init; } = ".";
    public string Host { get; init; } = "127.0.0.1";
    public int Port { get; init; } = 8765;
    public string? Token { get; init; }
    /// <summary>Where <see cref="Token"/> was read from (<c>--token-file</c>), so it never shows in <c>ps</c>.</summary>
    public string? TokenFile { get; init; }
    public int MaxClients { get; init; } = 64;
    public bool Demo { get; init; }
    /// <summary><c>--demo --assettoserver</c>: the demo's stand-in is AssettoServer rather than acServer.</summary>
    public bool AssettoServer { get; init; }
    /// <summary>The acServer executable when it is not <c>acServer</c>/<c>acServer.exe</c> in the server folder.</summary>
    public string? AcServer { get; init; }
    public bool RestartOnCrash { get; init; }
    /// <summary>Browser origins (<c>https://host[:port]</c>) allowed to open the WebSocket besides the agent's own address.</summary>
    public IReadOnlyList<string> AllowOrigins { get; init; } = [];
    /// <summary>The lobby's base address; <c>/register?…</c> is appended (as acServer prints it).</summary>
    public string LobbyUrl { get; init; } = DefaultLobbyUrl;
    /// <summary>Re-register with the lobby by itself when acServer reports the registration lost.</summary>
    public bool LobbyAuto { get; init; } = true;
    /// <summary>stracker's executable or its folder, when not <c>stracker/</c> or the server folder.</summary>
    public string? Stracker { get; init; }
    /// <summary>
    /// Upgrade WebSockets with HttpListener's own AcceptWebSocketAsync, as on Windows (http.sys), where acws's
    /// handshake (<see cref="Host.WebSocketUpgrade"/>) cannot reach the connection: tests run that path here.
    /// </summary>
    public bool FrameworkUpgrade { get; init; }
    /// <summary>Grace periods, timeouts and back-offs (tests shorten them).</summary>
    public Timings Timings { get; init; } = new();
    /// <summary>How many runs' files logs/acws/ keeps; older ones are removed at start.</summary>
    public int KeepLogs { get; init; } = 50;
    /// <summary>Downstream UDP plugins (e.g. stracker): every datagram from acServer goes to each, theirs go back to acServer.</summary>
    public IReadOnlyList<IPEndPoint> PluginForward { get; init; } = [];
    public bool ShowHelp { get; init; }
    public bool ShowVersion { get; init; }

    public const string DefaultLobbyUrl = "http://93.57.10.21/lobby.ashx";

    /// <summary>Where a value comes from: the environment, the first use of a flag, or a repeat of it.</summary>
    public enum From { Env, Flag, RepeatedFlag }

    /// <summary>
    /// One command-line option: its flag, the name of its value (null: a switch), its environment variable, its
    /// default and help as the README's option table shows them, and what it sets. <c>--help</c>, the parser and a
    /// test against the README's table all come from <see cref="Table"/>.
    /// </summary>
    public sealed record Option(string Flag, string? Value, string? Env, string Default, string Help, Func<Options, string, From, Options> Set)
    {
        public string Usage => Value is null ? Flag : $"{Flag} {Value}";
    }

    public static readonly Option[] Table =
    [
        new("--dir", "DIR", "ACWS_DIR", "current directory", "the Assetto Corsa server folder",
            (o, v, _) => o with { Dir = v }),
        new("--host", "HOST", "ACWS_HOST", "`127.0.0.1`", "address to listen on (0.0.0.0 for every interface)",
            (o, v, _) => o with { Host = v }),
        new("--port", "PORT", "ACWS_PORT", "`8765`", "port to listen on, 0 picks a free one",
            (o, v, f) => o with { Port = ParsePort(v, Name(f, "--port", "ACWS_PORT")) }),
        // A token flag replaces both environment variables.
        new("--token", "TOKEN", "ACWS_TOKEN", "none", "clients must send this token (required off loopback); visible to every user in `ps`: prefer ACWS_TOKEN or --token-file",
            (o, v, f) => o with { Token = NonEmpty(v, Name(f, "--token", "ACWS_TOKEN")), TokenFile = f == From.Env ? o.TokenFile : null }),
        new("--token-file", "PATH", "ACWS_TOKEN_FILE", "none", "read the token from this file (its one line, trimmed)",
            (o, v, f) => o with { TokenFile = NonEmpty(v, Name(f, "--token-file", "ACWS_TOKEN_FILE")), Token = f == From.Env ? o.Token : null }),
        new("--max-clients", "N", null, "`64`", "connections allowed at once",
            (o, v, _) => o with { MaxClients = ParseCount(v, "--max-clients") }),
        new("--acserver", "PATH", "ACWS_ACSERVER", "`acServer[.exe]` in DIR, else `AssettoServer[.exe]` in DIR", "the server executable (acServer or AssettoServer)",
            (o, v, f) => o with { AcServer = NonEmpty(v, Name(f, "--acserver", "ACWS_ACSERVER")) }),
        new("--restart-on-crash", null, null, "off", "start acServer again when it dies (back-off 1 s, 2 s, 4 s … 60 s)",
            (o, _, _) => o with { RestartOnCrash = true }),
        new("--lobby-url", "URL", "ACWS_LOBBY_URL", $"`{DefaultLobbyUrl}`", "the lobby acws registers with",
            (o, v, f) => o with { LobbyUrl = ParseUrl(v, Name(f, "--lobby-url", "ACWS_LOBBY_URL")) }),
        new("--no-lobby-auto", null, null, "auto on", "do not re-register with the lobby when acServer reports the registration lost",
            (o, _, _) => o with { LobbyAuto = false }),
        new("--stracker", "PATH", "ACWS_STRACKER", "`stracker/` in DIR, else DIR", "stracker's executable or folder",
            (o, v, f) => o with { Stracker = NonEmpty(v, Name(f, "--stracker", "ACWS_STRACKER")) }),
        // The environment gives a comma-separated list; the first flag replaces it, more flags add to it.
        new("--allow-origin", "ORIGIN", "ACWS_ALLOW_ORIGIN", "none", "a web page origin (https://host[:port]) also allowed to open the WebSocket, e.g. behind a TLS proxy; repeatable (env: comma-separated)",
            (o, v, f) => o with
            {
                AllowOrigins = f == From.Env
                    ? [.. v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(x => ParseOrigin(x, "ACWS_ALLOW_ORIGIN"))]
                    : [.. (f == From.RepeatedFlag ? o.AllowOrigins : []), ParseOrigin(v, "--allow-origin")],
            }),
        new("--keep-logs", "N", "ACWS_KEEP_LOGS", "`50`", "logs/acws/ keeps the files of the newest N runs; older ones go at start",
            (o, v, f) => o with { KeepLogs = ParseCount(v, Name(f, "--keep-logs", "ACWS_KEEP_LOGS")) }),
        new("--plugin-forward", "HOST:PORT", null, "none", "relay acServer's UDP plugin datagrams unchanged to a downstream plugin (e.g. stracker) and its datagrams back to acServer; repeatable",
            (o, v, f) => o with { PluginForward = [.. (f == From.RepeatedFlag ? o.PluginForward : []), ParseEndpoint(v, "--plugin-forward")] }),
        new("--demo", null, null, "", "serve a sample server folder made in a temp directory (removed at exit), with a stand-in acServer; not with --dir",
            (o, _, _) => o with { Demo = true }),
        new("--assettoserver", null, null, "", "with --demo: the stand-in is AssettoServer (a real one is found as AssettoServer[.exe] in DIR)",
            (o, _, _) => o with { AssettoServer = true }),
    ];

    static string Name(From from, string flag, string env) => from == From.Env ? env : flag;

    /// <summary><c>--help</c>: generated from <see cref="Table"/>.</summary>
    public static string Usage { get; } = MakeUsage();

    static string MakeUsage()
    {
        var text = new System.Text.StringBuilder();
        text.AppendLine("usage: acws [OPTION …]");
        text.AppendLine("       acws --demo [--assettoserver] [--port PORT]");
        text.AppendLine("       acws call [--url URL] [--token-file PATH] [--pretty] [--wait-event TOPIC] [--timeout S] COMMAND…");
        text.AppendLine("       acws --help | --version");
        text.AppendLine();
        foreach (var o in Table)
        {
            string more = string.Join("; ", new[] { o.Env is null ? null : $"env {o.Env}", o.Default.Length == 0 ? null : $"default {o.Default.Replace("`", "")}" }.OfType<string>());
            text.AppendLine($"  {o.Usage,-24} {o.Help}{(more.Length > 0 ? $" ({more})" : "")}");
        }
        return text.ToString().TrimEnd();
    }

    public static Options Parse(string[] args, Func<string, string?> env)
    {
        var o = new Options();
        foreach (var option in Table)
            if (option.Env is { } name && env(name) is { Length: > 0 } value) o = option.Set(o, value, From.Env);
        if (o.Token is not null && o.TokenFile is not null)
            throw new UsageException("set ACWS_TOKEN or ACWS_TOKEN_FILE, not both");
        string? tokenFlag = null;
        var seen = new HashSet<string>();
        for (int i = 0; i < args.Length; i++)
        {
            string a = args[i];
            if (a is "--help" or "-h") { o = o with { ShowHelp = true }; continue; }
            if (a == "--version") { o = o with { ShowVersion = true }; continue; }
            var option = Table.FirstOrDefault(x => x.Flag == a) ?? throw new UsageException($"unknown option '{a}'");
            string value = option.Value is null ? "" : i + 1 < args.Length ? args[++i] : throw new UsageException($"{a} needs a value");
            o = option.Set(o, value, seen.Add(a) ? From.Flag : From.RepeatedFlag);
            if (a is "--token" or "--token-file")
            {
                if (tokenFlag is not null && tokenFlag != a) throw new UsageException("pass --token or --token-file, not both");
                tokenFlag = a;
            }
        }
        if (o.AssettoServer && !o.Demo)
            throw new UsageException("--assettoserver goes with --demo (a real AssettoServer is found as AssettoServer[.exe] in DIR, or pass --acserver PATH)");
        // The demo makes and removes a folder of its own: it must never serve (nor remove) a real one.
        if (o.Demo && seen.Contains("--dir")) throw new UsageException("--demo serves a sample folder it makes itself: leave out --dir (or leave out --demo to serve DIR)");
        if (o.TokenFile is { } file && !o.ShowHelp && !o.ShowVersion)
            o = o with { Token = ReadToken(file, tokenFlag ?? "ACWS_TOKEN_FILE") };
        if (!IsLoopback(o.Host) && o.Token is null && !o.ShowHelp && !o.ShowVersion)
            throw new UsageException($"listening on {o.Host} (not loopback) needs a token: set ACWS_TOKEN, or pass --token-file PATH or --token TOKEN");
        return o;
    }

    /// <summary>The token in a file (e.g. a systemd credential): its one line, trimmed; at most 4 KiB.</summary>
    public static string ReadToken(string path, string name)
    {
        string text;
        try
        {
            if (Directory.Exists(path)) throw new UsageException($"{name} {path} is a folder, not a file holding the token");
            // Read as a stream, not by its length: <(command) and /dev/stdin are pipes.
            using var reader = new StreamReader(path);
            var buffer = new char[4097];
            int length = reader.ReadBlock(buffer, 0, buffer.Length);
            if (length > 4096) throw new UsageException($"{name} {path} is over 4 KiB: it should hold the token only");
            text = new string(buffer, 0, length).Trim();
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new UsageException($"{name} {path} does not exist");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"{name} {path} cannot be read: {e.Message}");
        }
        if (text.Length == 0) throw new UsageException($"{name} {path} is empty: it should hold the token");
        if (text.Any(char.IsControl)) throw new UsageException($"{name} {path} holds more than one line: it should hold the token only");
        return text;
    }

    static string NonEmpty(string v, string name) => v.Length > 0 ? v : throw new UsageException($"{name} must not be empty");

    static string ParseUrl(string v, string name) =>
        Uri.TryCreate(v, UriKind.Absolute, out var u) && (u.Scheme == Uri.UriSchemeHttp || u.Scheme == Uri.UriSchemeHttps)
            ? v.TrimEnd('/') : throw new UsageException($"{name} must be an http:// or https:// address, got '{v}'");

    static int ParsePort(string v, string name) =>
        int.TryParse(v, out int p) && p is >= 0 and <= 65535 ? p : throw new UsageException($"{name} must be a port number 0-65535, got '{v}'");

    /// <summary>An origin as browsers send it: <c>scheme://host[:port]</c>, lower case, no path, no trailing slash.</summary>
    static string ParseOrigin(string v, string name)
    {
        string trimmed = v.Trim().TrimEnd('/');
        if (Uri.TryCreate(trimmed, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            && uri.AbsolutePath == "/" && uri.Query.Length == 0 && uri.Fragment.Length == 0 && uri.UserInfo.Length == 0)
            return $"{uri.Scheme}://{uri.Authority}".ToLowerInvariant();
        throw new UsageException($"{name} must be an origin like https://example.com or http://host:8080, got '{v}'");
    }

    /// <summary>An IPv4 address (or <c>localhost</c>) and a port 1-65535: acServer's plugin interface is IPv4.</summary>
    static IPEndPoint ParseEndpoint(string v, string name)
    {
        string text = v.Trim();
        if (text.StartsWith("localhost:", StringComparison.OrdinalIgnoreCase)) text = "127.0.0.1" + text[9..];
        if (IPEndPoint.TryParse(text, out var at) && at.Port is > 0 and <= 65535 && text.Contains(':')
            && at.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork) return at;
        throw new UsageException($"{name} must be IP:PORT with an IPv4 address (or localhost) and a port 1-65535, got '{v}'");
    }

    static int ParseCount(string v, string name) =>
        int.TryParse(v, out int n) && n is >= 1 and <= 100_000 ? n : throw new UsageException($"{name} must be a whole number 1-100000, got '{v}'");

    public static bool IsLoopback(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
        || (IPAddress.TryParse(host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));
}
