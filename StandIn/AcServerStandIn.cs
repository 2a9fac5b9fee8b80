using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using AcWs.Ini;
using AcWs.Live;
using AcWs.Runtime;

namespace AcWs.StandIn;

/// <summary>
/// A stand-in for the proprietary acServer, for tests and <c>acws --demo</c>: a real separate process
/// (<c>acws --stand-in-acserver</c>) that runs in the server folder and prints acServer v1.15's own lines
/// (taken from the real logs in tests/fixtures/original), filled in from cfg/server_cfg.ini and cfg/entry_list.ini.
///
/// It acts on cue: lines appended to <c>standin.control</c> in the server folder (or
/// <c>--control FILE</c>), one command per line; with <c>--auto</c> it plays a short league evening by itself.
/// <code>
/// join GUID|DRIVERNAME|CAR_N     a driver from the entry list joins
/// leave NAME                     that driver leaves cleanly
/// session practice|qualify|race  the next session starts
/// say TEXT                       prints TEXT as a line
/// lobby-error                    prints acServer's lobby registration error lines
/// finish                         race over: writes results/Y_M_D_H_M_RACE.json from the drivers on
/// exit N                         exits at once with code N (a crash)
/// ignore-sigterm                 from now on SIGTERM is ignored (only a kill stops it)
/// </code>
/// SIGTERM otherwise ends it cleanly with exit code 0. With <c>--assettoserver</c> it is AssettoServer instead
/// (<see cref="AssettoServerStandIn"/>).
///
/// With <c>REGISTER_TO_LOBBY=1</c> and a lobby address (<c>--lobby URL</c>, as <c>--demo</c> passes its own lobby, or the
/// environment variable <c>ACWS_STANDIN_LOBBY_URL</c>)
/// (never the real lobby: tests point it at a loopback listener) it registers at start as acServer does:
/// <c>CALLING &lt;url&gt;/register?…</c>, an HTTP GET, <c>RESPONSE: &lt;answer&gt;</c>, then <c>CONNECTED TO LOBBY</c>.
/// </summary>
public static class AcServerStandIn
{
    sealed record Joined(string Name, string Guid, string Car, string Team, int Slot);

    public static int Run(string[] args)
    {
        if (args.Contains(AssettoServerStandIn.Flag)) return AssettoServerStandIn.Run(args);
        bool auto = args.Contains("--auto");
        if (LoadFolder() is not var (cfg, entries, server, slots)) return 1;
        using var cues = new Cues(args);

        Banner(server, slots);
        var joined = new List<Joined>();
        var sessions = server.Sessions.ToList();
        int current = 0;
        using var plugin = PluginStandIn.Open(cfg, server, slots, sessions);
        if (sessions.Count > 0) StartSession(0);
        int l = Array.IndexOf(args, "--lobby");
        string? lobbyArg = l >= 0 && l + 1 < args.Length ? args[l + 1] : null;
        if (server.RegisterToLobby && (lobbyArg ?? Environment.GetEnvironmentVariable("ACWS_STANDIN_LOBBY_URL")) is { Length: > 0 } lobby)
            RegisterToLobby(LobbyUrl.Register(lobby, cfg, entries));

        if (auto) cues.Play(AutoScript(slots, server));
        var random = new Random();
        while (!cues.Stopped)
        {
            foreach (var (word, arg) in cues.Next().Concat(plugin?.Obey() ?? []))
            {
                switch (word)
                {
                    case "join": Join(arg, slots, joined, random, plugin); break;
                    case "leave": Leave(joined.Where(j => j.Name == arg)); break;
                    case "kick": Leave(joined.Where(j => j.Slot == CarOf(arg))); break;
                    case "session":
                        int s = sessions.FindIndex(x => x.Section.Equals(arg, StringComparison.OrdinalIgnoreCase));
                        if (s >= 0) StartSession(s);
                        break;
                    case "next" or "restart" when sessions.Count > 0:
                        EndSession(raceOver: false);
                        StartSession(word == "next" ? (current + 1) % sessions.Count : current);
                        break;
                    case "lap":
                        var words = arg.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                        int ms = words.Length < 2 ? -1 : Array.FindIndex(words, 1, w => w.All(char.IsAsciiDigit));
                        if (ms > 0 && uint.TryParse(words[ms], CultureInfo.InvariantCulture, out uint lapMs) && CarOf(string.Join(' ', words[..ms])) is { } lapper)
                            plugin?.Lap(lapper, lapMs, ms + 1 < words.Length && byte.TryParse(words[ms + 1], out byte cuts) ? cuts : 0);
                        break;
                    case "chat":
                        var (writer, message) = (arg.Split(' ', 2)[0], arg.Split(' ', 2) is [_, var m] ? m : "");
                        if (CarOf(writer) is { } from) plugin?.Chat(from, message);
                        break;
                    case "collide":
                        var cars = arg.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                        if (cars.Length > 0 && CarOf(cars[0]) is { } car) plugin?.Collision(car, cars.Length > 1 ? CarOf(cars[1]) : null, 42.5f);
                        break;
                    case "race": Race(arg); break;
                    case "say": Print(arg); break;
                    case "lobby-error":
                        Print("ERROR,SERVER NOT REGISTERED WITH LOBBY - PLEASE RESTART");
                        Print("ERROR - RESTART YOUR SERVER TO REGISTER WITH THE LOBBY");
                        break;
                    case "finish": EndSession(raceOver: true); break;
                    case "exit": return int.TryParse(arg, out int code) ? code : 1;
                    case "ignore-sigterm": cues.IgnoreSigterm(); break;
                }
            }
            if (auto && cues.ScriptDone) cues.Play(AutoScript(slots, server, cues.Elapsed));
        }
        Print("Server shutting down (SIGTERM)");
        return 0;

        void StartSession(int index)
        {
            current = index;
            Session(sessions[index]);
            plugin?.NewSession(index);
        }

        // The car id (entry-list slot) of a driver on the server, named as a join cue names one or by car id.
        int? CarOf(string who) =>
            (int.TryParse(who, out int id) && who.Length < 4 ? slots.FirstOrDefault(s => s.Index == id) : SlotOf(who, slots)) is { } slot
            && joined.Any(j => j.Slot == slot.Index) ? slot.Index : null;

        void Leave(IEnumerable<Joined> leaving)
        {
            foreach (var j in leaving.ToList())
            {
                joined.Remove(j);
                Print($"Clean exit, driver disconnected:  {j.Name} []");
                plugin?.Disconnected(j.Slot);
            }
        }

        void EndSession(bool raceOver)
        {
            var order = plugin?.Order() ?? [];
            var finishers = new List<Joined>(joined);
            // By the plugin side's positions; List.Sort is not stable, so ties keep join order by their index.
            finishers.Sort((a, b) => Rank(a).CompareTo(Rank(b)));
            long Rank(Joined j) => (order.IndexOf(j.Slot) is int i and >= 0 ? i : int.MaxValue) * 1000L + joined.IndexOf(j);
            string type = sessions.Count > 0 ? sessions[current].Section : "RACE";
            string file = Finish(type, raceOver, server, sessions, slots, finishers, plugin);
            plugin?.EndSession(file);
        }

        // race CARS LAPS: the race session with LAPS laps, the first CARS cars of the entry list on the server, each
        // completing every lap (deterministic times), then the results (55 END_SESSION).
        void Race(string arg)
        {
            if (arg.Split(' ', StringSplitOptions.RemoveEmptyEntries) is not [var c, var n]
                || !int.TryParse(c, out int count) || !int.TryParse(n, out int laps) || count < 1 || laps is < 1 or > 999)
            {
                Print($"race: expected 'race CARS LAPS' (1-999 laps), got '{arg}'");
                return;
            }
            int race = sessions.FindIndex(x => x.Section == "RACE");
            if (race < 0) { sessions.Add(new SessionConfig("RACE", "Race", 0, laps, 1, 60)); race = sessions.Count - 1; }
            sessions[race] = sessions[race] with { Laps = laps };
            StartSession(race);
            var grid = slots.Take(count).ToList();
            foreach (var slot in grid.Where(g => !joined.Any(j => j.Slot == g.Index))) Join(slot.Section, slots, joined, random, plugin);
            foreach (var (g, lap, ms) in Crossings(grid.Count, laps))
            {
                // Cuts only on the slow first lap, so no best lap depends on whether a cut lap counts.
                plugin?.Lap(grid[g].Index, ms, lap == 1 && g % 4 == 3 ? 1 : 0);
                if (lap == 2 && g == 1) plugin?.Collision(grid[1].Index, grid.Count > 2 ? grid[2].Index : null, 37.5f);
                // Paced, so a plugin reading slower than this loop writes does not lose datagrams in its socket buffer.
                Thread.Sleep(2);
            }
            // As after 'finish': the next session starts with a 'session' cue, so the race's table can be read first.
            EndSession(raceOver: true);
        }
    }

    /// <summary>The stand-in's lap time for the car at grid position <paramref name="grid"/> (from 0) on lap <paramref name="lap"/> (from 1).</summary>
    public static long LapMs(int grid, int lap) => 90_000 + grid * 173 + (lap * 7919 + grid * 104729) % 1500 + (lap == 1 ? 4000 : 0);

    /// <summary>Every lap of <paramref name="cars"/> cars doing <paramref name="laps"/> laps, in the order they cross the line.</summary>
    public static List<(int Grid, int Lap, long Ms)> Crossings(int cars, int laps)
    {
        var all = new List<(long At, int Grid, int Lap, long Ms)>(cars * laps);
        for (int g = 0; g < cars; g++)
        {
            long at = 0;
            for (int lap = 1; lap <= laps; lap++) all.Add((at += LapMs(g, lap), g, lap, LapMs(g, lap)));
        }
        all.Sort();
        return all.ConvertAll(x => (x.Grid, x.Lap, x.Ms));
    }

    /// <summary>cfg/server_cfg.ini and cfg/entry_list.ini of the folder it runs in; null (and an ERROR line) when they do not load.</summary>
    internal static (IniDocument Cfg, IniDocument Entries, ServerConfig Server, IReadOnlyList<EntrySlot> Slots)? LoadFolder()
    {
        try
        {
            var cfg = IniDocument.Load("cfg/server_cfg.ini", "cfg/server_cfg.ini");
            var entries = IniDocument.Load("cfg/entry_list.ini", "cfg/entry_list.ini");
            return (cfg, entries, ServerConfig.From(cfg), EntryList.From(entries));
        }
        catch (Exception e) when (e is IOException or IniParseException or UnauthorizedAccessException)
        {
            Console.WriteLine($"ERROR: {e.Message}");
            return null;
        }
    }

    /// <summary>The entry-list slot a <c>join</c> cue names: by GUID, by driver name, or by section (CAR_N).</summary>
    internal static EntrySlot? SlotOf(string who, IReadOnlyList<EntrySlot> slots) =>
        slots.FirstOrDefault(s => s.Guid.Length > 0 && s.Guid == who)
        ?? slots.FirstOrDefault(s => s.DriverName.Length > 0 && s.DriverName == who)
        ?? slots.FirstOrDefault(s => s.Section.Equals(who, StringComparison.OrdinalIgnoreCase));

    internal static void Print(string line) => Console.Out.Write(line + "\n");

    static void Banner(ServerConfig server, IReadOnlyList<EntrySlot> slots)
    {
        Print("Server CFG Path :  cfg/server_cfg.ini");
        Print("Entry List Path :  cfg/entry_list.ini");
        Print("Assetto Corsa Dedicated Server v1.15");
        Print("Protocol version: 202");
        // Go's time format, as acServer prints it: 2022-07-22 10:42:32.8776464 +1000 AEST m=+0.007426800
        var now = DateTimeOffset.UtcNow;
        Print(now.ToString("yyyy-MM-dd HH:mm:ss.fffffff", CultureInfo.InvariantCulture) + " +0000 UTC m=+0.007426800");
        Print("Num CPU: 1");
        Print("Using cfg path:  cfg/server_cfg.ini");
        Print("Car list:");
        foreach (var car in server.Cars) Print($"_{car}_");
        Print("Client interval HZ: 18");
        Print($"TRACK={server.Track}");
        Print("CARS=[" + string.Join(" ", server.Cars.Select(car => $"\"{car}\"")) + "]");
        foreach (var s in server.Sessions)
        {
            Print($"Loading {s.Section} session");
            Print($"SESSION: {s.Name}");
            Print($"TYPE={s.Section}");
            Print($"TIME={s.Time}");
            Print($"LAPS={s.Laps}");
            Print($"OPEN={s.IsOpen}");
            Print($"WAIT TIME={s.WaitTime}");
        }
        Print($"Entry list: {slots.Count} cars");
    }

    /// <summary>acServer's registration lines (tests/fixtures/real/logs/pawikoski_v1.15_…log), with a real call.</summary>
    static void RegisterToLobby(string url)
    {
        Print("Server started");
        Print("Registering to AC central server");
        Print($"CALLING {url}");
        var answer = LobbyClient.RegisterAsync(url, TimeSpan.FromSeconds(10)).GetAwaiter().GetResult();
        if (answer.Ok)
        {
            Print($"RESPONSE: {answer.Msg}");
            Print("CONNECTED TO LOBBY");
        }
        else Print(answer.Msg.StartsWith("ERROR", StringComparison.Ordinal) ? answer.Msg : $"ERROR - {answer.Msg}");
    }

    static void Session(SessionConfig s)
    {
        string name = s.Section == "QUALIFY" ? "Qualification" : ServerConfig.DefaultName(s.Section);
        int type = s.Section switch { "BOOKING" => 0, "PRACTICE" => 1, "QUALIFY" => 2, _ => 3 };
        Print("DynamicTrack: first session, resetting grip");
        Print($"SENDING session name : {name}");
        Print("SENDING session index : 0");
        Print($"SENDING session type : {type}");
        Print($"SENDING session time : {s.Time}");
        Print($"SENDING session laps : {s.Laps}");
    }

    static void Join(string who, IReadOnlyList<EntrySlot> slots, List<Joined> joined, Random random, PluginStandIn? plugin)
    {
        var slot = SlotOf(who, slots);
        if (slot is null) { Print($"NO SLOT AVAILABLE for {who}"); return; }
        string name = slot.DriverName.Length > 0 ? slot.DriverName : who;
        string guid = slot.Guid.Length > 0 ? slot.Guid : (76561198000000000 + slot.Index).ToString(CultureInfo.InvariantCulture);
        int port = random.Next(49152, 65535);
        Print($"NEW PICKUP CONNECTION from  127.0.0.1:{port}");
        Print("VERSION 202");
        Print(name);
        Print($"REQUESTED CAR: {slot.Model}*");
        Print("ENTRY LIST OPEN MODE 1");
        Print($"Looking for available slot by name for GUID {guid} {slot.Model}");
        Print("Looking for available slot");
        Print($"Slot found at index {slot.Index}");
        Print($"ResetCarResults, index: {slot.Index}");
        Print($"DRIVER ACCEPTED FOR CAR {slot.Index}");
        Print($"DRIVER ACCEPTED FOR CAR {name}");
        Print("Tyre blankets: false");
        Print("Sending SESSION ID : 0");
        Print("FIND AND SEND PLAYER'S POSITION");
        Print($"DRIVER: {name} [{slot.Team}]");
        Print("OK");
        joined.Add(new Joined(name, guid, slot.Model, slot.Team, slot.Index));
        plugin?.Connected(new PluginStandIn.Car(slot.Index, name, guid, slot.Model, slot.Skin, slot.Team));
    }

    /// <summary>
    /// Writes the session's results file the way acServer does (tab-indented, LF, no final newline), in the order given,
    /// with the plugin side's lap times when it has them; returns its path relative to the folder.
    /// </summary>
    static string Finish(string type, bool raceOver, ServerConfig server, List<SessionConfig> sessions, IReadOnlyList<EntrySlot> slots,
        List<Joined> joined, PluginStandIn? plugin)
    {
        var now = DateTime.Now;
        string relative = $"results/{now.Year}_{now.Month}_{now.Day}_{now.Hour}_{now.Minute}_{type}.json";
        raceOver &= type == "RACE";
        if (raceOver) Print("RACE OVER DETECTED!");
        var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, IndentCharacter = '\t', IndentSize = 1, NewLine = "\n" }))
        {
            w.WriteStartObject();
            w.WriteString("TrackName", server.Track);
            w.WriteString("TrackConfig", server.ConfigTrack);
            w.WriteString("Type", type);
            w.WriteNumber("DurationSecs", 0);
            w.WriteNumber("RaceLaps", sessions.FirstOrDefault(s => s.Section == "RACE")?.Laps ?? 0);
            w.WriteStartArray("Cars");
            foreach (var s in slots)
            {
                w.WriteStartObject();
                w.WriteNumber("CarId", s.Index);
                w.WriteStartObject("Driver");
                w.WriteString("Name", s.DriverName); w.WriteString("Team", s.Team); w.WriteString("Nation", ""); w.WriteString("Guid", s.Guid);
                w.WriteEndObject();
                w.WriteString("Model", s.Model); w.WriteString("Skin", s.Skin);
                w.WriteNumber("BallastKG", int.TryParse(s.Ballast, out int b) ? b : 0);
                w.WriteNumber("Restrictor", int.TryParse(s.Restrictor, out int r) ? r : 0);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartArray("Result");
            int position = 0;
            foreach (var j in joined)
            {
                position++;
                if (raceOver) Print($"{j.Name} [{j.Team}] has finished");
                var laps = plugin?.StandingOf(j.Slot) is { Laps: > 0 } s ? s : null;
                w.WriteStartObject();
                w.WriteString("DriverName", j.Name); w.WriteString("DriverGuid", j.Guid);
                w.WriteNumber("CarId", j.Slot); w.WriteString("CarModel", j.Car);
                w.WriteNumber("BestLap", laps?.Best ?? 90000 + position * 250);
                w.WriteNumber("TotalTime", laps?.Total ?? 900000 + position * 2500);
                w.WriteNumber("BallastKG", 0); w.WriteNumber("Restrictor", 0);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartArray("Laps"); w.WriteEndArray();
            w.WriteStartArray("Events"); w.WriteEndArray();
            w.WriteEndObject();
        }
        Directory.CreateDirectory("results");
        File.WriteAllBytes(relative, buffer.ToArray());
        Print($"Saving session json file: {relative}");
        return relative;
    }

    /// <summary>The demo's evening: drivers from the entry list join, sessions change, a race finishes, everyone leaves; then again.</summary>
    static Queue<(TimeSpan, string)> AutoScript(IReadOnlyList<EntrySlot> slots, ServerConfig server, TimeSpan from = default) => Cues.Script(from, At =>
    {
        var drivers = slots.Where(s => s.DriverName.Length > 0).Take(5).ToList();
        foreach (var d in drivers) At(2, "join " + d.Section);
        void Laps(int laps)
        {
            foreach (var (g, lap, ms) in Crossings(drivers.Count, laps)) At(0.5, $"lap {drivers[g].Section} {ms}");
        }
        Laps(2);
        if (drivers.Count > 1) At(1, $"chat {drivers[1].Section} see you in qualifying");
        foreach (var s in server.Sessions.Skip(1))
        {
            At(2, "session " + s.Section);
            if (s.Section == "RACE" && drivers.Count > 2) At(1, $"collide {drivers[2].Section} {drivers[1].Section}");
            Laps(s.Section == "RACE" && s.Laps > 0 ? s.Laps : 2);
        }
        At(2, "finish");
        foreach (var d in drivers) At(1.5, "leave " + d.DriverName);
        if (server.Sessions.Count > 0) At(3, "session " + server.Sessions[0].Section);
    });
}
