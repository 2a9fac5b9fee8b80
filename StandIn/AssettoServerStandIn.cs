using System.Globalization;
using AcWs.Ini;

namespace AcWs.StandIn;

/// <summary>
/// <c>acws --stand-in-acserver --assettoserver</c>: the stand-in as AssettoServer. It prints the lines of the real
/// AssettoServer logs in tests/fixtures/real/logs/assettoserver/ (embedded in acws), with the time of day, the ports
/// and the drivers filled in from the folder's cfg files. At start it prints the real log's start-up up to
/// <c>Server startup completed</c>; cues (see <see cref="AcServerStandIn"/>) work as there:
/// <code>
/// join GUID|DRIVERNAME|CAR_N     attempting to connect, then has connected
/// lap NAME [mm:ss.ffff] [CUTS]   Lap completed by NAME (default 01:35.1230, 0 cuts)
/// leave NAME                     a clean disconnect
/// session practice|qualify|race  Next session …, Switching session to id N
/// say TEXT, exit N, ignore-sigterm
/// </code>
/// SIGTERM prints <c>Server shutting down</c> and exits 0. With <c>--fatal</c> it replays the fatal start-up log
/// instead, at the pace of its timestamps (about 2 s), and exits 0 as AssettoServer does.
/// </summary>
public static class AssettoServerStandIn
{
    public const string Flag = "--assettoserver";

    // The values in the real log that the stand-in replaces with the folder's own.
    const string LogName = "FakeDriver", LogGuid = "76561198000000001", LogEndpoint = "127.0.0.1:49928", LogModel = "abarth500", LogSkin = "0_white_scorpion";

    public static int Run(string[] args)
    {
        if (args.Contains("--fatal")) return ReplayFatalStart();
        if (AcServerStandIn.LoadFolder() is not var (_, _, server, slots)) return 1;
        using var cues = new Cues(args);
        var log = Lines("connect-lap-leave");
        string Template(string contains) => log.First(l => l.Contains(contains, StringComparison.Ordinal));

        foreach (var line in log.TakeWhile(l => !l.Contains("is attempting to connect", StringComparison.Ordinal)))
        {
            // The real log's session is the first of server_cfg.ini here.
            if (line.Contains("Switching session to id ", StringComparison.Ordinal)) continue;
            if (line.Contains("Next session: ", StringComparison.Ordinal)) { if (server.Sessions.Count > 0) Session(server.Sessions[0], 0); continue; }
            Print(line.Replace("port 25600", $"port {server.TcpPort}").Replace("port 25681", $"port {server.HttpPort}")
                .Replace("Loaded 3 cars", $"Loaded {slots.Count} cars"));
        }
        if (args.Contains("--auto")) cues.Play(AutoScript(slots, server));
        var joined = new Dictionary<string, (string Guid, int Port)>(StringComparer.Ordinal);
        var random = new Random();
        while (!cues.Stopped)
        {
            foreach (var (word, arg) in cues.Next())
            {
                switch (word)
                {
                    case "join":
                        if (AcServerStandIn.SlotOf(arg, slots) is not { } slot) { Print($"[{Now} INF] {arg} (0 - 127.0.0.1:1) is attempting to connect ({LogModel})"); break; }
                        string name = slot.DriverName.Length > 0 ? slot.DriverName : arg;
                        string guid = slot.Guid.Length > 0 ? slot.Guid : (76561198000000000 + slot.Index).ToString(CultureInfo.InvariantCulture);
                        int port = random.Next(49152, 65535);
                        string Driver(string line) => line.Replace(LogName, name).Replace(LogGuid, guid).Replace(LogEndpoint, $"127.0.0.1:{port}");
                        Print(Driver(Template("is attempting to connect")).Replace($"({LogModel})", $"({slot.Model})"));
                        Print(Driver(Template("supports extra CSP features")));
                        Print(Driver(Template("has connected")).Replace($", 0 ({LogModel}-{LogSkin}))", $", {slot.Index} ({slot.Model}-{slot.Skin}))"));
                        joined[name] = (guid, port);
                        break;
                    case "lap":
                        var (lapper, time, cuts) = LapCue(arg);
                        Print(Template("Lap completed by ").Replace(LogName, lapper).Replace("0 cuts", $"{cuts} cuts").Replace("01:35.1230", time));
                        break;
                    case "leave":
                        var (leftGuid, leftPort) = joined.Remove(arg, out var j) ? j : ("0", 0);
                        foreach (var line in new[] { "Received clean exit from ", "Disconnecting ", " has disconnected" })
                            Print(Template(line).Replace(LogName, arg).Replace(LogGuid, leftGuid).Replace(LogEndpoint, $"127.0.0.1:{leftPort}"));
                        break;
                    case "session":
                        int index = server.Sessions.ToList().FindIndex(x => x.Section.Equals(arg, StringComparison.OrdinalIgnoreCase));
                        if (index >= 0) Session(server.Sessions[index], index);
                        break;
                    case "say": Print(arg); break;
                    case "exit": return int.TryParse(arg, out int code) ? code : 1;
                    case "ignore-sigterm": cues.IgnoreSigterm(); break;
                }
            }
            if (args.Contains("--auto") && cues.ScriptDone) cues.Play(AutoScript(slots, server, cues.Elapsed));
        }
        Print(Template("Server shutting down"));
        return 0;
    }

    /// <summary>The fatal start-up log, at the pace of its own timestamps (a second at most between two lines), then exit 0.</summary>
    static int ReplayFatalStart()
    {
        TimeSpan? last = null;
        foreach (var line in Lines("fatal-start-exit0"))
        {
            if (line.StartsWith('[') && TimeSpan.TryParseExact(line[1..9], @"hh\:mm\:ss", CultureInfo.InvariantCulture, out var at))
            {
                if (last is { } before && at > before) Thread.Sleep(TimeSpan.FromTicks(Math.Min((at - before).Ticks, TimeSpan.TicksPerSecond)));
                last = at;
            }
            Print(line);
        }
        return 0;
    }

    /// <summary>A real log's lines, each prefixed line at the time of day now; the runner's closing <c>exit N</c> line is not AssettoServer's.</summary>
    static List<string> Lines(string name)
    {
        using var stream = typeof(AssettoServerStandIn).Assembly.GetManifestResourceStream($"assettoserver/{name}.log")!;
        using var reader = new StreamReader(stream);
        var lines = reader.ReadToEnd().Split('\n').ToList();
        while (lines.Count > 0 && (lines[^1].Length == 0 || lines[^1].StartsWith("exit ", StringComparison.Ordinal))) lines.RemoveAt(lines.Count - 1);
        return lines;
    }

    static string Now => DateTime.Now.ToString("HH:mm:ss", CultureInfo.InvariantCulture);

    static void Print(string line) =>
        AcServerStandIn.Print(line.Length > 10 && line[0] == '[' && line[3] == ':' && line[9] == ' ' ? $"[{Now}{line[9..]}" : line);

    static void Session(SessionConfig s, int index)
    {
        string length = s.Laps > 0 ? $"{s.Laps} laps" : $"{s.Time} minutes";
        Print($"[{Now} INF] Next session: {s.Name} - Length: {length}");
        Print($"[{Now} INF] Switching session to id {index}");
    }

    /// <summary>"NAME [mm:ss.ffff] [CUTS]": the name may hold spaces, so the optional parts are read from the end.</summary>
    static (string Name, string Time, int Cuts) LapCue(string arg)
    {
        var words = arg.Split(' ').ToList();
        int cuts = 0;
        string time = "01:35.1230";
        if (words.Count > 1 && int.TryParse(words[^1], out int c)) { cuts = c; words.RemoveAt(words.Count - 1); }
        if (words.Count > 1 && words[^1].Contains(':')) { time = words[^1]; words.RemoveAt(words.Count - 1); }
        return (string.Join(' ', words), time, cuts);
    }

    /// <summary>The demo's evening as AssettoServer: drivers join and lap, sessions change, everyone leaves; then again.</summary>
    static Queue<(TimeSpan, string)> AutoScript(IReadOnlyList<EntrySlot> slots, ServerConfig server, TimeSpan from = default) => Cues.Script(from, At =>
    {
        var drivers = slots.Where(s => s.DriverName.Length > 0).Take(5).ToList();
        foreach (var d in drivers) At(1, "join " + d.Section);
        for (int lap = 0; lap < 3; lap++)
            foreach (var d in drivers) At(1, $"lap {d.DriverName} 01:{30 + lap + d.Index % 7:00}.{d.Index * 137 % 10000:0000} {((lap + d.Index) % 3 == 0 ? 1 : 0)}");
        foreach (var s in server.Sessions.Skip(1)) At(6, "session " + s.Section);
        foreach (var d in drivers) At(1.5, "leave " + d.DriverName);
        if (server.Sessions.Count > 0) At(3, "session " + server.Sessions[0].Section);
    });
}
