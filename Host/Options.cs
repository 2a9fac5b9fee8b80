using System.Net;

namespace AcWs;

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
    /// <summary>Grace periods, timeouts and back-offs (tests shorten them).</summary>
    public Timings Timings { get; init; } = new();
    /// <summary>How many runs' files logs/acws/ keeps; older ones are removed at start.</summary>
    public int KeepLogs { get; init; } = 50;
    public bool ShowHelp { get; init; }
    public bool ShowVersion { get; init; }

    public const string DefaultLobbyUrl = "http://93.57.10.21/lobby.ashx";

    public const string Usage = """
        usage: acws [--dir DIR] [--host HOST] [--port PORT] [--token TOKEN | --token-file PATH]
                    [--max-clients N] [--acserver PATH] [--restart-on-crash] [--allow-origin ORIGIN]
                    [--lobby-url URL] [--no-lobby-auto] [--stracker PATH] [--keep-logs N]
               acws --demo [--port PORT]
               acws call [--url URL] [--token-file PATH] [--pretty] [--wait-event TOPIC] [--timeout S] COMMAND...
               acws --help | --version

          --dir DIR        the Assetto Corsa server folder (env ACWS_DIR; default: current directory)
          --host HOST      address to listen on (env ACWS_HOST; default 127.0.0.1)
          --port PORT      port to listen on, 0 picks a free one (env ACWS_PORT; default 8765)
          --token TOKEN    clients must send this token (env ACWS_TOKEN; required off loopback);
                           visible to every user in `ps`: prefer ACWS_TOKEN or --token-file
          --token-file PATH  read the token from this file, trimmed (env ACWS_TOKEN_FILE)
          --max-clients N  connections allowed at once (default 64)
          --acserver PATH  the acServer executable (env ACWS_ACSERVER; default: acServer[.exe] in DIR)
          --restart-on-crash  start acServer again when it dies (back-off 1 s, 2 s, 4 s … 60 s)
          --allow-origin ORIGIN  a web page origin (https://host[:port]) also allowed to open the WebSocket,
                           e.g. behind a TLS proxy; repeatable (env ACWS_ALLOW_ORIGIN, comma-separated)
          --lobby-url URL  the lobby acws registers with (env ACWS_LOBBY_URL; default http://93.57.10.21/lobby.ashx)
          --no-lobby-auto  do not re-register with the lobby when acServer reports the registration lost
          --stracker PATH  stracker's executable or folder (env ACWS_STRACKER; default: stracker/ in DIR, else DIR)
          --keep-logs N    logs/acws/ keeps the files of the newest N runs, older ones go at start (env ACWS_KEEP_LOGS; default 50)
          --demo           serve a sample server folder made in a temp directory (removed at exit), with a stand-in acServer;
                           not with --dir (ACWS_DIR is not looked at)
          call             send commands to a running acws and print the replies (acws call --help)
        """;

    public static Options Parse(string[] args, Func<string, string?> env)
    {
        var o = new Options
        {
            Dir = env("ACWS_DIR") is { Length: > 0 } d ? d : ".",
            Host = env("ACWS_HOST") is { Length: > 0 } h ? h : "127.0.0.1",
            Port = env("ACWS_PORT") is { Length: > 0 } p ? ParsePort(p, "ACWS_PORT") : 8765,
            Token = env("ACWS_TOKEN") is { Length: > 0 } t ? t : null,
            TokenFile = env("ACWS_TOKEN_FILE") is { Length: > 0 } tf ? tf : null,
            AcServer = env("ACWS_ACSERVER") is { Length: > 0 } exe ? exe : null,
            AllowOrigins = env("ACWS_ALLOW_ORIGIN") is { Length: > 0 } origins
                ? [.. origins.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(x => ParseOrigin(x, "ACWS_ALLOW_ORIGIN"))]
                : [],
            LobbyUrl = env("ACWS_LOBBY_URL") is { Length: > 0 } u ? ParseUrl(u, "ACWS_LOBBY_URL") : DefaultLobbyUrl,
            Stracker = env("ACWS_STRACKER") is { Length: > 0 } st ? st : null,
            KeepLogs = env("ACWS_KEEP_LOGS") is { Length: > 0 } k ? ParseCount(k, "ACWS_KEEP_LOGS") : 50,
        };
        if (o.Token is not null && o.TokenFile is not null)
            throw new UsageException("set ACWS_TOKEN or ACWS_TOKEN_FILE, not both");
        string? tokenFlag = null;
        bool originFlag = false, dirFlag = false;
        for (int i = 0; i < args.Length; i++)
        {
            string a = args[i];
            string Value() => i + 1 < args.Length ? args[++i] : throw new UsageException($"{a} needs a value");
            o = a switch
            {
                "--dir" => o with { Dir = Value() },
                "--host" => o with { Host = Value() },
                "--port" => o with { Port = ParsePort(Value(), "--port") },
                // A token flag replaces both environment variables.
                "--token" => o with { Token = NonEmpty(Value(), "--token"), TokenFile = null },
                "--token-file" => o with { TokenFile = NonEmpty(Value(), "--token-file"), Token = null },
                "--max-clients" => o with { MaxClients = ParseCount(Value(), "--max-clients") },
                "--demo" => o with { Demo = true },
                "--acserver" => o with { AcServer = NonEmpty(Value(), "--acserver") },
                "--restart-on-crash" => o with { RestartOnCrash = true },
                // The first flag replaces the environment's list; more flags add to it.
                "--allow-origin" => o with { AllowOrigins = [.. (originFlag ? o.AllowOrigins : []), ParseOrigin(Value(), "--allow-origin")] },
                "--lobby-url" => o with { LobbyUrl = ParseUrl(Value(), "--lobby-url") },
                "--no-lobby-auto" => o with { LobbyAuto = false },
                "--stracker" => o with { Stracker = NonEmpty(Value(), "--stracker") },
                "--keep-logs" => o with { KeepLogs = ParseCount(Value(), "--keep-logs") },
                "--help" or "-h" => o with { ShowHelp = true },
                "--version" => o with { ShowVersion = true },
                _ => throw new UsageException($"unknown option '{a}'"),
            };
            if (a == "--allow-origin") originFlag = true;
            if (a == "--dir") dirFlag = true;
            if (a is "--token" or "--token-file")
            {
                if (tokenFlag is not null && tokenFlag != a) throw new UsageException("pass --token or --token-file, not both");
                tokenFlag = a;
            }
        }
        // The demo makes and removes a folder of its own: it must never serve (nor remove) a real one.
        if (o.Demo && dirFlag) throw new UsageException("--demo serves a sample folder it makes itself: leave out --dir (or leave out --demo to serve DIR)");
        if (o.TokenFile is { } file && !o.ShowHelp && !o.ShowVersion)
            o = o with { Token = ReadToken(file, tokenFlag ?? "ACWS_TOKEN_FILE") };
        if (!IsLoopback(o.Host) && o.Token is null && !o.ShowHelp && !o.ShowVersion)
            throw new UsageException($"listening on {o.Host} (not loopback) needs a token: set ACWS_TOKEN, or pass --token-file PATH or --token TOKEN");
        return o;
    }

    /// <summary>The token in a file (e.g. a systemd credential): its one line, trimmed; at most 4 KiB.</summary>
    internal static string ReadToken(string path, string name)
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

    static int ParseCount(string v, string name) =>
        int.TryParse(v, out int n) && n is >= 1 and <= 100_000 ? n : throw new UsageException($"{name} must be a whole number 1-100000, got '{v}'");

    public static bool IsLoopback(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
        || (IPAddress.TryParse(host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));
}
