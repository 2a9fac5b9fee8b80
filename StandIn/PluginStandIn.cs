using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Numerics;
using AcWs.Ini;
using AcWs.Live;

namespace AcWs.StandIn;

/// <summary>
/// The stand-in acServer's UDP plugin interface (README "The stand-in acServer"): with both
/// <c>UDP_PLUGIN_LOCAL_PORT</c> and <c>UDP_PLUGIN_ADDRESS</c> set it binds 127.0.0.1:UDP_PLUGIN_LOCAL_PORT and sends
/// events from that socket to UDP_PLUGIN_ADDRESS. Everything but CAR_UPDATE happens on the stand-in's one loop
/// thread: commands are queued by the receiving thread and obeyed in <see cref="Obey"/>.
/// </summary>
public sealed class PluginStandIn : IDisposable
{
    public sealed record Car(int Id, string Name, string Guid, string Model, string Skin, string Team);

    /// <summary>A car's laps in the current session; <see cref="Joined"/> orders the leaderboard among cars level on laps.</summary>
    public sealed class Standing(int joined)
    {
        public const long NoLap = 999_999_999;
        public int Joined { get; } = joined;
        public int Laps { get; set; }
        public long Best { get; set; } = NoLap;
        public long Total { get; set; }
    }

    readonly UdpClient socket;
    readonly IPEndPoint events;
    readonly ConcurrentQueue<byte[]> received = new();
    readonly ServerConfig server;
    readonly IReadOnlyList<EntrySlot> slots;
    readonly List<SessionConfig> sessions;
    readonly (int Ambient, int Road, string Weather) weather;
    readonly Dictionary<int, Car> cars = [];
    readonly Dictionary<int, Standing> standings = [];
    readonly Stopwatch sessionClock = new(), clock = Stopwatch.StartNew();
    volatile Car[] onTrack = [];
    Timer? updates;
    int current, joinedCount;

    PluginStandIn(UdpClient socket, IPEndPoint events, IniDocument cfg, ServerConfig server, IReadOnlyList<EntrySlot> slots, List<SessionConfig> sessions)
    {
        this.socket = socket;
        this.events = events;
        this.server = server;
        this.slots = slots;
        this.sessions = sessions;
        int ambient = Int(cfg, "WEATHER_0", "BASE_TEMPERATURE_AMBIENT", 18);
        weather = (ambient, ambient + Int(cfg, "WEATHER_0", "BASE_TEMPERATURE_ROAD", 6), cfg.Get("WEATHER_0", "GRAPHICS") ?? "3_clear");
        new Thread(Receive) { IsBackground = true, Name = "plugin-standin" }.Start();
    }

    /// <summary>
    /// The plugin interface the folder's server_cfg.ini asks for, having sent VERSION; null when the keys are not both
    /// set, or (with an ERROR line) when they are unusable. <paramref name="sessions"/> is the stand-in's session list,
    /// which SET_SESSION_INFO changes.
    /// </summary>
    public static PluginStandIn? Open(IniDocument cfg, ServerConfig server, IReadOnlyList<EntrySlot> slots, List<SessionConfig> sessions)
    {
        int local = Int(cfg, ServerConfig.Server, "UDP_PLUGIN_LOCAL_PORT", 0);
        string address = cfg.Get(ServerConfig.Server, "UDP_PLUGIN_ADDRESS") ?? "";
        if (local <= 0 || address.Length == 0) return null;
        if (!IPEndPoint.TryParse(address, out var target) || target.Port == 0)
        {
            AcServerStandIn.Print($"ERROR: UDP_PLUGIN_ADDRESS '{address}' is not IP:PORT, plugin interface off");
            return null;
        }
        try
        {
            var plugin = new PluginStandIn(new UdpClient(new IPEndPoint(IPAddress.Loopback, local)), target, cfg, server, slots, sessions);
            plugin.Send(new PluginMessage.Version(PluginEncoder.ProtocolVersion));
            return plugin;
        }
        catch (SocketException e)
        {
            AcServerStandIn.Print($"ERROR: cannot bind UDP_PLUGIN_LOCAL_PORT {local}: {e.Message}, plugin interface off");
            return null;
        }
    }

    static int Int(IniDocument cfg, string section, string key, int otherwise) =>
        int.TryParse(cfg.Get(section, key), out int v) ? v : otherwise;

    void Receive()
    {
        var from = new IPEndPoint(IPAddress.Any, 0);
        while (true)
        {
            try
            {
                var datagram = socket.Receive(ref from);
                if (datagram.Length > 0) received.Enqueue(datagram);
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionRefused) { }
            catch (Exception e) when (e is SocketException or ObjectDisposedException) { return; }
        }
    }

    void Send(PluginMessage message)
    {
        try { socket.Send(PluginEncoder.Encode(message), events); }
        catch (Exception e) when (e is SocketException or ObjectDisposedException) { }
    }

    void Error(string message) => Send(new PluginMessage.Error(message));

    public int Current => current;
    public Standing? StandingOf(int carId) => standings.GetValueOrDefault(carId);

    /// <summary>50 NEW_SESSION: the session at <paramref name="index"/> starts, every car without laps.</summary>
    public void NewSession(int index)
    {
        current = index;
        foreach (var id in cars.Keys) standings[id] = new Standing(joinedCount++);
        sessionClock.Restart();
        Send(Session(index, isNew: true));
    }

    PluginMessage.SessionInfo Session(int index, bool isNew)
    {
        var s = sessions[index];
        return new(isNew, PluginEncoder.ProtocolVersion, index, current, sessions.Count, server.Name, server.Track, server.ConfigTrack,
            s.Name, TypeOf(s.Section), s.Time, s.Laps, s.WaitTime, Math.Clamp(weather.Ambient, 0, 255), Math.Clamp(weather.Road, 0, 255),
            weather.Weather, (int)sessionClock.ElapsedMilliseconds);
    }

    public static PluginSessionType TypeOf(string section) => section switch
    {
        "BOOKING" => PluginSessionType.Booking, "PRACTICE" => PluginSessionType.Practice,
        "QUALIFY" => PluginSessionType.Qualify, _ => PluginSessionType.Race,
    };

    static string SectionOf(PluginSessionType type) => type switch
    {
        PluginSessionType.Booking => "BOOKING", PluginSessionType.Practice => "PRACTICE", PluginSessionType.Qualify => "QUALIFY", _ => "RACE",
    };

    /// <summary>55 END_SESSION with the results file written for it.</summary>
    public void EndSession(string resultsFile) => Send(new PluginMessage.EndSession(resultsFile));

    /// <summary>51 NEW_CONNECTION then 58 CLIENT_LOADED.</summary>
    public void Connected(Car car)
    {
        cars[car.Id] = car;
        standings[car.Id] = new Standing(joinedCount++);
        onTrack = [.. cars.Values];
        Send(new PluginMessage.Connection(true, car.Name, car.Guid, car.Id, car.Model, car.Skin));
        Send(new PluginMessage.ClientLoaded(car.Id));
    }

    /// <summary>52 CONNECTION_CLOSED.</summary>
    public void Disconnected(int carId)
    {
        if (!cars.Remove(carId, out var car)) return;
        standings.Remove(carId);
        onTrack = [.. cars.Values];
        Send(new PluginMessage.Connection(false, car.Name, car.Guid, car.Id, car.Model, car.Skin));
    }

    /// <summary>73 LAP_COMPLETED with the leaderboard after it, ordered as acServer orders it for the session.</summary>
    public void Lap(int carId, long lapMs, int cuts)
    {
        if (!standings.TryGetValue(carId, out var s)) return;
        s.Laps++;
        s.Total += lapMs;
        if (cuts == 0 && lapMs < s.Best) s.Best = lapMs;
        int laps = sessions[current].Laps;
        bool race = TypeOf(sessions[current].Section) == PluginSessionType.Race;
        var order = Order();
        var board = new LeaderboardEntry[order.Count];
        for (int i = 0; i < board.Length; i++)
        {
            var b = standings[order[i]];
            board[i] = new LeaderboardEntry(order[i], b.Best, b.Laps, race && laps > 0 && b.Laps >= laps);
        }
        Send(new PluginMessage.LapCompleted(carId, lapMs, cuts, board, 0.98f));
    }

    /// <summary>The connected cars by position: in a race by laps then total time, otherwise by best lap (no lap last).</summary>
    public List<int> Order()
    {
        bool race = TypeOf(sessions[current].Section) == PluginSessionType.Race;
        var order = new List<int>(standings.Keys);
        order.Sort((x, y) =>
        {
            Standing a = standings[x], b = standings[y];
            int by = race ? b.Laps != a.Laps ? b.Laps.CompareTo(a.Laps) : a.Total.CompareTo(b.Total) : a.Best.CompareTo(b.Best);
            return by != 0 ? by : a.Joined.CompareTo(b.Joined);
        });
        return order;
    }

    /// <summary>57 CHAT: a driver wrote.</summary>
    public void Chat(int carId, string message) => Send(new PluginMessage.Chat(carId, message));

    /// <summary>130 CLIENT_EVENT: a collision with another car, or with the environment when <paramref name="other"/> is null.</summary>
    public void Collision(int carId, int? other, float impactSpeed) =>
        Send(new PluginMessage.Collision(carId, other, impactSpeed, new Vector3(120.5f, 2f, -48.25f), new Vector3(0.5f, 0.1f, 1.2f)));

    /// <summary>
    /// Obeys the commands received since the last call. Those the stand-in's log must see too come back as cues for it:
    /// <c>kick CAR_ID</c>, <c>next</c>, <c>restart</c>.
    /// </summary>
    public List<(string Word, string Arg)> Obey()
    {
        var cues = new List<(string, string)>();
        while (received.TryDequeue(out var datagram))
        {
            var r = new PluginReader(datagram, 1);
            switch (datagram[0])
            {
                case PluginCommand.RealtimePosIntervalId:
                    int interval = r.U16("interval");
                    if (Whole(ref r)) Updates(interval);
                    break;
                case PluginCommand.GetCarInfoId:
                    int info = r.U8("car id");
                    if (!Whole(ref r)) break;
                    if (info >= slots.Count) Error($"ERROR: ACSP_GET_CAR_INFO index {info} out of bound");
                    else Send(CarInfo(info));
                    break;
                case PluginCommand.SendChatId:
                    int to = r.U8("car id");
                    string text = r.W("message");
                    if (!Whole(ref r)) break;
                    if (cars.ContainsKey(to)) AcServerStandIn.Print($"CHAT to {to}: {text}");
                    else Error($"ERROR: ACSP_SEND_CHAT car {to} is not connected");
                    break;
                case PluginCommand.BroadcastChatId:
                    string all = r.W("message");
                    if (Whole(ref r)) AcServerStandIn.Print($"CHAT to all: {all}");
                    break;
                case PluginCommand.GetSessionInfoId:
                    int index = (short)r.U16("session index");
                    if (!Whole(ref r)) break;
                    if (index == -1) index = current;
                    if (index >= 0 && index < sessions.Count) Send(Session(index, isNew: false));
                    else Error($"ERROR: ACSP_GET_SESSION_INFO out of bounds: {index}");
                    break;
                case PluginCommand.SetSessionInfoId:
                    int set = r.U8("session index");
                    string name = r.W("name");
                    var type = (PluginSessionType)r.U8("type");
                    long laps = r.U32("laps"), seconds = r.U32("time"), wait = r.U32("wait time");
                    if (!Whole(ref r)) break;
                    if (set >= sessions.Count) { Error($"ERROR: ACSP_SET_SESSION_INFO out of bounds: {set}"); break; }
                    sessions[set] = sessions[set] with
                    {
                        Section = SectionOf(type), Name = name,
                        Laps = (int)Math.Min(laps, ushort.MaxValue), Time = (int)Math.Min(seconds / 60, ushort.MaxValue), WaitTime = (int)Math.Min(wait, ushort.MaxValue),
                    };
                    break;
                case PluginCommand.KickUserId:
                    int kick = r.U8("car id");
                    if (!Whole(ref r)) break;
                    if (cars.ContainsKey(kick)) cues.Add(("kick", kick.ToString(System.Globalization.CultureInfo.InvariantCulture)));
                    else Error($"ERROR: ACSP_KICK_USER index {kick} out of bound");
                    break;
                case PluginCommand.NextSessionId: cues.Add(("next", "")); break;
                case PluginCommand.RestartSessionId: cues.Add(("restart", "")); break;
                case PluginCommand.AdminCommandId:
                    string admin = r.W("command");
                    if (Whole(ref r)) AcServerStandIn.Print($"ADMIN: {admin}");
                    break;
            }
        }
        return cues;
    }

    /// <summary>True when the command was read whole; a short one is ignored, as acServer does, with a line saying so.</summary>
    static bool Whole(ref PluginReader r)
    {
        if (r.Failure == MalformedReason.None) return true;
        AcServerStandIn.Print($"PLUGIN: ignored a malformed command: {r.Why}");
        return false;
    }

    PluginMessage.CarInfo CarInfo(int id)
    {
        if (cars.TryGetValue(id, out var car)) return new(id, true, car.Model, car.Skin, car.Name, car.Team, car.Guid);
        var slot = slots[id];
        return new(id, false, slot.Model, slot.Skin, "", "", "");
    }

    /// <summary>REALTIMEPOS_INTERVAL: CAR_UPDATE for every car on track at that interval (0 stops it), from a timer thread.</summary>
    void Updates(int intervalMs)
    {
        StopUpdates();
        updates = intervalMs > 0 ? new Timer(_ => SendUpdates(), null, intervalMs, intervalMs) : null;
    }

    /// <summary>Stops the timer and waits for a callback under way, so no CAR_UPDATE follows the command that stopped them.</summary>
    void StopUpdates()
    {
        if (updates is null) return;
        using var done = new ManualResetEvent(false);
        if (updates.Dispose(done)) done.WaitOne();
        updates = null;
    }

    void SendUpdates()
    {
        double seconds = clock.Elapsed.TotalSeconds;
        foreach (var car in onTrack)
        {
            // Around a 500 m circle in 90 s, each car a little behind the one before.
            float spline = (float)((seconds / 90 + 1 - car.Id * 0.02) % 1);
            float angle = spline * MathF.Tau;
            Send(new PluginMessage.CarUpdate(car.Id, new Vector3(80 * MathF.Cos(angle), 0, 80 * MathF.Sin(angle)),
                new Vector3(-5.6f * MathF.Sin(angle), 0, 5.6f * MathF.Cos(angle)), 3, 6500, spline));
        }
    }

    public void Dispose()
    {
        StopUpdates();
        socket.Dispose();
    }
}
