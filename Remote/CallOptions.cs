using System.Globalization;

using AcWs.Runtime;

namespace AcWs.Remote;

/// <summary>The command line of <c>acws call</c>: where the agent is, the token, and the commands to send in order.</summary>
public sealed record CallOptions
{
    public const string DefaultUrl = "ws://127.0.0.1:8765/";

    public Uri Url { get; init; } = new(DefaultUrl);
    public string? Token { get; init; }
    public bool Pretty { get; init; }
    /// <summary>After the commands, wait for a pushed frame of this topic.</summary>
    public string? WaitEvent { get; init; }
    /// <summary>The limit for connecting, for each reply and for the event.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(60);
    public IReadOnlyList<string> Commands { get; init; } = [];
    public bool ShowHelp { get; init; }

    /// <summary>The topics acws marks its pushed frames with (README, "The protocol").</summary>
    public static readonly string[] Topics = ["server", "driver", "session", "lobby", "tracker", "grid", "configuration"];

    public const string Usage = """
        usage: acws call [--url URL] [--token-file PATH] [--pretty] [--wait-event TOPIC] [--timeout S] COMMAND...

          Sends each COMMAND (one argument each: quote a command of several words) to a running acws, in order,
          and prints each reply as one line of JSON. Stops at the first error reply.
          acws call "grid reverse 8" "grid save" "server restart"

          --url URL          the agent's address (env ACWS_URL; default ws://127.0.0.1:8765/)
          --token-file PATH  read the token from this file (env ACWS_TOKEN_FILE); or set ACWS_TOKEN
          --pretty           print each reply indented, for people
          --wait-event TOPIC after the commands, wait for a pushed event of TOPIC (server, driver, session,
                             lobby, tracker, grid, configuration) and print it, e.g. server after 'server start'
          --timeout S        seconds to wait to connect, for each reply and for the event (default 60)

          exit codes: 0 every reply is data, 1 an error reply (or the awaited event is an error),
                      2 bad usage, 3 cannot connect or the token is refused (or the connection is lost),
                      4 timed out waiting for a reply or the event
        """;

    public static CallOptions Parse(string[] args, Func<string, string?> env)
    {
        var o = new CallOptions();
        if (env("ACWS_URL") is { Length: > 0 } u) o = o with { Url = ParseUrl(u, "ACWS_URL") };
        string? token = env("ACWS_TOKEN") is { Length: > 0 } t ? t : null;
        string? tokenFile = env("ACWS_TOKEN_FILE") is { Length: > 0 } tf ? tf : null;
        string tokenFileName = "ACWS_TOKEN_FILE";
        if (token is not null && tokenFile is not null) throw new UsageException("set ACWS_TOKEN or ACWS_TOKEN_FILE, not both");
        var commands = new List<string>();
        bool onlyCommands = false;
        for (int i = 0; i < args.Length; i++)
        {
            string a = args[i];
            if (onlyCommands || !a.StartsWith("--", StringComparison.Ordinal))
            {
                if (a.Trim().Length == 0) throw new UsageException("a COMMAND must not be empty");
                commands.Add(a);
                continue;
            }
            string Value() => i + 1 < args.Length ? args[++i] : throw new UsageException($"{a} needs a value");
            switch (a)
            {
                case "--": onlyCommands = true; break;
                case "--url": o = o with { Url = ParseUrl(Value(), a) }; break;
                // The flag replaces the environment's token, whichever way it came.
                case "--token-file": tokenFile = Value(); tokenFileName = a; token = null; break;
                case "--pretty": o = o with { Pretty = true }; break;
                case "--wait-event": o = o with { WaitEvent = ParseTopic(Value()) }; break;
                case "--timeout": o = o with { Timeout = ParseSeconds(Value()) }; break;
                case "--help" or "-h": o = o with { ShowHelp = true }; break;
                case "--token": throw new UsageException("acws call takes no --token (it would show in ps): set ACWS_TOKEN or pass --token-file PATH");
                default: throw new UsageException($"unknown option '{a}'");
            }
        }
        if (o.ShowHelp) return o;
        if (commands.Count == 0) throw new UsageException("no COMMAND given, e.g. acws call \"server status\"");
        if (tokenFile is not null) token = Options.ReadToken(tokenFile, tokenFileName);
        return o with { Commands = commands, Token = token };
    }

    static Uri ParseUrl(string v, string name) =>
        Uri.TryCreate(v, UriKind.Absolute, out var uri) && uri.Scheme is "ws" or "wss" && uri.Fragment.Length == 0
            ? uri : throw new UsageException($"{name} must be a ws:// or wss:// address like {DefaultUrl}, got '{v}'");

    static string ParseTopic(string v) =>
        Topics.Contains(v) ? v : throw new UsageException($"--wait-event must be one of {string.Join(", ", Topics)}, got '{v}'");

    static TimeSpan ParseSeconds(string v) =>
        double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out double s) && s is > 0 and <= 86_400
            ? TimeSpan.FromSeconds(s) : throw new UsageException($"--timeout must be a number of seconds, more than 0 and at most 86400, got '{v}'");
}
