using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace AcWs.Tests.Support;

/// <summary>
/// The original GUI client's expectations as code: a port of the message handling of ac-websocket-server 0.7.dev25's
/// Tk client (<c>ac_websocket_client/app.py</c>: <c>App._monitor</c> and the button methods; and the <c>update_ui</c>
/// methods of <c>ServerUI</c>, <c>DriverUI</c> and <c>TrackerUI</c> it calls), without Tk. It reads exactly the keys the
/// client reads, with Python's semantics: a missing key is a KeyError, indexing a list by a name is a TypeError,
/// <c>.get</c> on a list is an AttributeError, <c>int()</c> of a non-number is a ValueError. Each such exception is
/// recorded in <see cref="Exceptions"/> (the client prints and goes on), as are those of the UI refreshes.
/// </summary>
public sealed class OriginalClient : IAsyncDisposable
{
    /// <summary>A Python exception the original client would have raised.</summary>
    public sealed class PyException(string type, string message) : Exception($"{type}: {message}");

    readonly WsClient ws;
    readonly string name;
    readonly List<string> exceptions = [];
    readonly List<JsonElement> frames = [];

    // App.States
    public bool IsConnected { get; private set; }
    public bool IsRegistered { get; private set; }
    public bool IsStarted { get; private set; }
    public bool IsTracking { get; private set; }
    public bool CfgNeedsReload { get; private set; }
    public bool CfgNeedsSaving { get; private set; }
    public bool IniNeedsSaving { get; private set; }
    public string? ServerVersion { get; private set; }

    // App's dicts, as the JSON it keeps (self.server, self.sessions, self.lobby, self.tracker, self.drivers, self.entries).
    public JsonNode Server { get; private set; } = new JsonObject();
    public JsonNode Sessions { get; private set; } = new JsonObject();
    public JsonNode Lobby { get; private set; } = new JsonObject();
    public JsonNode Tracker { get; private set; } = new JsonObject();
    public Dictionary<string, JsonNode> Drivers { get; } = [];
    public Dictionary<long, JsonNode> Entries { get; private set; } = [];

    public IReadOnlyList<string> Exceptions => exceptions;
    /// <summary>Every frame this client received, in order (for messages in failed assertions).</summary>
    public IReadOnlyList<JsonElement> Frames => frames;

    OriginalClient(WsClient ws, string name) { this.ws = ws; this.name = name; }

    /// <summary>
    /// <c>toggle_connection</c>: connects, reads the welcome frame, sends <c>logon:</c>, <c>server info</c>,
    /// <c>server sessions</c> and <c>tracker status</c>, and handles their replies.
    /// </summary>
    public static async Task<OriginalClient> ConnectAsync(int port, string name)
    {
        var ws = await WsClient.ConnectAsync(port, readWelcome: false);
        var client = new OriginalClient(ws, name) { IsConnected = true };
        client.UpdateUi();
        await client.PumpAsync(1);
        await client.SendAsync("logon: {\"username\": \"\", \"password\": \"\", \"protocol\": \"0.7\"}", replies: 0);
        await client.SendAsync("server info", "server sessions", "tracker status");
        return client;
    }

    // ---------- the buttons (App's methods), each followed by the UI refresh it does ----------

    /// <summary><c>toggle_game</c>: start or stop, then <c>server info</c>.</summary>
    public async Task ToggleGameAsync()
    {
        if (!IsStarted) await SendAsync("server start", "server info");
        else
        {
            CfgNeedsReload = false;
            await SendAsync("server stop", "server info");
        }
        Ui(ServerUiUpdate);
    }

    /// <summary><c>toggle_registration</c>.</summary>
    public async Task ToggleRegistrationAsync()
    {
        await SendAsync("lobby restart");
        Ui(ServerUiUpdate);
    }

    /// <summary><c>toggle_session</c>: disable if the session is in <c>sessions</c>, else enable.</summary>
    public async Task ToggleSessionAsync(string session)
    {
        string? command = null;
        Ui(() => command = Truthy(PyGet(Sessions, session)) ? $"server session {session} disable" : $"server session {session} enable");
        if (command is null) return;
        await SendAsync(command);
        CfgNeedsSaving = true;
        Ui(ServerUiUpdate);
    }

    /// <summary><c>update_session</c> (the Apply button): enable first if needed, then laps or time.</summary>
    public async Task UpdateSessionAsync(string session, string type, int value)
    {
        bool known = false;
        Ui(() => known = Truthy(PyGet(Sessions, session)));
        if (!known) await SendAsync($"server session {session} enable");
        await SendAsync($"server session {session} {type} {value}");
        CfgNeedsSaving = true;
        Ui(ServerUiUpdate);
    }

    /// <summary><c>save_configuration</c> (Save .cfg).</summary>
    public async Task SaveConfigurationAsync()
    {
        await SendAsync("server configuration write");
        CfgNeedsSaving = false;
        CfgNeedsReload = true;
        Ui(ServerUiUpdate);
    }

    /// <summary><c>toggle_tracker</c>.</summary>
    public async Task ToggleTrackerAsync()
    {
        await SendAsync(IsTracking ? "tracker stop" : "tracker start");
        Ui(TrackerUiUpdate);
    }

    /// <summary>DriverUI "Modify order" with Finishing, Reversed or Starting: the grid command, then "ini needs saving".</summary>
    public async Task ModifyOrderAsync(string orderBy)
    {
        await SendAsync(orderBy switch { "Finishing" => "grid finish", "Reversed" => "grid reverse", _ => "grid starting" });
        IniNeedsSaving = true;
        Ui(DriverUiUpdate);
    }

    /// <summary>DriverUI "Save .ini".</summary>
    public Task SaveIniAsync() => SendAsync("grid save");

    /// <summary>DriverUI's slot menu: shows every field of the chosen entry (<c>_update_slots</c>).</summary>
    public void PickSlot(long slot) => Ui(() =>
    {
        if (!Entries.TryGetValue(slot, out var entry)) return;
        foreach (var key in new[] { "car_id", "model", "drivername", "guid", "team", "skin", "ballast", "restrictor" }) Index(entry, key);
    });

    // ---------- the wire ----------

    /// <summary>Sends each command and handles frames until each has had its reply (pushed frames are handled on the way).</summary>
    public async Task SendAsync(params string[] commands) { foreach (var c in commands) await SendAsync(c, replies: 1); }

    async Task SendAsync(string command, int replies)
    {
        await ws.SendAsync(command);
        await PumpAsync(replies);
    }

    /// <summary>Handles frames until <paramref name="replies"/> replies (frames that are not pushed events) have come.</summary>
    async Task PumpAsync(int replies)
    {
        while (replies > 0)
        {
            var frame = await ws.ReceiveAsync();
            Handle(frame);
            if (!WsClient.IsPush(frame)) replies--;
        }
    }

    /// <summary>Handles frames until <paramref name="done"/> holds for this client's state (a watcher's view of another's change).</summary>
    public async Task WatchUntilAsync(Func<OriginalClient, bool> done, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!done(this))
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero) throw new TimeoutException($"{name}: never saw {what}; frames: {string.Join("\n", frames.TakeLast(8))}");
            Handle(await ws.ReceiveAsync(left));
        }
    }

    // ---------- App._monitor ----------

    /// <summary>One received frame, as <c>App._monitor</c> handles it.</summary>
    public void Handle(JsonElement frame)
    {
        frames.Add(frame);
        var input = JsonNode.Parse(frame.GetRawText())!;
        try { Monitor(input); }
        catch (PyException e) { exceptions.Add($"{name} on {Clip(frame)}: {e.Message}"); }
    }

    void Monitor(JsonNode input)
    {
        if (PyGet(input, "error") is { } errorMsg && Truthy(errorMsg))
        {
            if (Str(Index(errorMsg, "msg")) == "ERROR,INVALID SERVER,CHECK YOUR PORT FORWARDING SETTINGS")
            {
                IsRegistered = false;
                ServerUiUpdate();
            }
            return;
        }
        if (PyGet(input, "data") is not { } success || !Truthy(success)) return;
        if (Truthy(PyGet(success, "sent"))) return;

        if (PyGet(success, "driver") is { } driverMsg && Truthy(driverMsg)
            && PyGet(driverMsg, "guid") is { } guidNode && Truthy(guidNode)
            && PyGet(driverMsg, "msg") is { } joiningNode && Truthy(joiningNode))
        {
            var slot = Index(driverMsg, "slot");
            var entry = EntryAt(slot);
            string guid = Str(guidNode)!;
            entry["guid"] = guidNode.DeepClone();
            entry["drivername"] = Index(driverMsg, "name")?.DeepClone();
            if (Str(joiningNode)!.Contains("joining"))
            {
                Drivers[guid] = driverMsg.DeepClone();
                entry["connected"] = "Yes";
            }
            else
            {
                entry["connected"] = "No";
                if (!Drivers.Remove(guid)) throw new PyException("KeyError", $"'{guid}'");
            }
            DriverUiUpdate();
        }

        if (PyGet(success, "lobby") is { } lobby && Truthy(lobby))
        {
            if (PyGet(lobby, "event") is { } lobbyEvent && Truthy(lobbyEvent))
            {
                IsRegistered = Truthy(Index(lobbyEvent, "connected"));
                SetItem(Lobby, "since", Index(lobbyEvent, "timestamp"));
            }
            else
            {
                IsRegistered = Truthy(Index(lobby, "connected"));
                SetItem(Lobby, "since", Index(lobby, "timestamp"));
            }
            ServerUiUpdate();
        }

        if (PyGet(success, "server") is { } serverMsg && Truthy(serverMsg))
        {
            if (PyGet(serverMsg, "event") is { } serverEvent && Truthy(serverEvent))
            {
                SetItem(Server, "timestamp", Index(serverEvent, "timestamp"));
                SetItem(Server, "version", Index(serverEvent, "version"));
                IsStarted = true;
            }
            else
            {
                Server = serverMsg.DeepClone();
                IsStarted = Truthy(PyGet(Server, "running"));
            }
            ServerUiUpdate();
            if (PyGet(serverMsg, "sessions") is { } sessionsMsg && Truthy(sessionsMsg))
            {
                Sessions = sessionsMsg.DeepClone();
                ServerUiUpdate();
            }
            if (PyGet(serverMsg, "entries") is { } entries && Truthy(entries))
            {
                Entries = [];
                foreach (var key in Iterate(entries))
                {
                    string digits = Regex.Replace(key, @"\D", "");
                    if (!long.TryParse(digits, out long slot)) throw new PyException("ValueError", $"invalid literal for int() with base 10: '{digits}'");
                    var entry = Index(entries, key)!.DeepClone();
                    SetItem(entry, "connected", "No");
                    Entries[slot] = entry;
                }
            }
            if (PyGet(serverMsg, "lobby") is { } serverLobby && Truthy(serverLobby))
            {
                Lobby = serverLobby.DeepClone();
                IsRegistered = Truthy(Index(Lobby, "connected"));
            }
            DriverUiUpdate();
        }

        if (PyGet(success, "msg") is { } genericNode && Truthy(genericNode))
        {
            if (genericNode.GetValueKind() != JsonValueKind.String) throw new PyException("TypeError", "expected string or bytes-like object");
            string generic = genericNode.GetValue<string>();
            if (generic == "Stracker started" || Regex.IsMatch(generic, "^.*stracker.*is running.*$")) { IsTracking = true; TrackerUiUpdate(); }
            if (generic == "Stracker server stopped") { IsTracking = false; TrackerUiUpdate(); }
            if (generic == "Assetto Corsa server started") { IsStarted = true; ServerUiUpdate(); }
            if (generic == "Assetto Corsa server stopped") { IsStarted = false; IsRegistered = false; ServerUiUpdate(); }
            if (generic == "entry_list_new.ini file update SUCCESS") { IniNeedsSaving = false; DriverUiUpdate(); }
            var m = Regex.Match(generic, @"^Welcome to the Assetto Corsa WebSocket server version (\S*) .*$");
            if (m.Success) ServerVersion = m.Groups[1].Value;
        }

        if (PyGet(success, "stracker") is { } trackerMsg && Truthy(trackerMsg))
        {
            Tracker = trackerMsg.DeepClone();
            IsTracking = Truthy(Index(Tracker, "running"));
            TrackerUiUpdate();
        }

        if (PyGet(success, "session") is { } sessionMsg && Truthy(sessionMsg))
        {
            var source = PyGet(sessionMsg, "event") is { } sessionEvent && Truthy(sessionEvent) ? sessionEvent : sessionMsg;
            string type = Str(Index(source, "type")) ?? throw new PyException("TypeError", "session type is not a string");
            SetItem(Index(Sessions, type)!, "active", Index(source, "active"));
            ServerUiUpdate();
        }

        if (PyGet(success, "sessions") is { } allSessions && Truthy(allSessions))
        {
            Sessions = allSessions.DeepClone();
            ServerUiUpdate();
        }
    }

    // ---------- the update_ui methods: what they read ----------

    static readonly string[] SessionNames = ["Practice", "Qualify", "Race"];

    /// <summary>ServerUI.update_ui, with the <c>_trace_sessions</c> it triggers by setting the session fields.</summary>
    void ServerUiUpdate()
    {
        foreach (var key in new[] { "child_ini_file", "name", "track", "cars" }) PyGet(Server, key);
        if (IsConnected)
        {
            if (IsStarted) PyGet(Server, "timestamp");
            if (IsRegistered) PyGet(Lobby, "since");
        }
        TraceSessions();
        if (Truthy(Sessions))
        {
            foreach (var type in Iterate(Sessions))
            {
                if (!SessionNames.Contains(type)) continue;
                var session = Index(Sessions, type);
                Index(session, "active");
                var laps = Index(session, "laps");
                Index(session, laps is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.GetValue<double>() == 0 ? "time" : "laps");
                TraceSessions();
            }
        }
    }

    /// <summary>ServerUI._trace_sessions: the old laps and time of each configured session, as ints.</summary>
    void TraceSessions()
    {
        foreach (var session in SessionNames)
        {
            if (PyGet(Sessions, session) is not { } old || !Truthy(old)) continue;
            PyInt(Index(old, "laps"));
            PyInt(Index(old, "time"));
        }
    }

    /// <summary>DriverUI.update_ui: the slot menu from the entries' keys (nothing it reads can fail).</summary>
    void DriverUiUpdate() { }

    /// <summary>TrackerUI.update_ui.</summary>
    void TrackerUiUpdate()
    {
        if (IsTracking) PyGet(Tracker, "timestamp");
    }

    /// <summary>A UI refresh outside the receive loop (a button's task): an exception there is recorded too.</summary>
    void Ui(Action refresh)
    {
        try { refresh(); }
        catch (PyException e) { exceptions.Add($"{name} in a button's UI refresh: {e.Message}"); }
    }

    void UpdateUi() => Ui(() => { ServerUiUpdate(); DriverUiUpdate(); TrackerUiUpdate(); });

    // ---------- Python's semantics over JSON ----------

    static bool Truthy(JsonNode? n) => n switch
    {
        null => false,
        JsonObject o => o.Count > 0,
        JsonArray a => a.Count > 0,
        JsonValue v => v.GetValueKind() switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.Number => v.GetValue<double>() != 0,
            JsonValueKind.String => v.GetValue<string>().Length > 0,
            _ => false,
        },
        _ => false,
    };

    static string TypeName(JsonNode? n) => n switch
    {
        null => "NoneType",
        JsonObject => "dict",
        JsonArray => "list",
        JsonValue v => v.GetValueKind() switch
        {
            JsonValueKind.String => "str",
            JsonValueKind.Number => "int",
            _ => "bool",
        },
        _ => "object",
    };

    /// <summary><c>d.get(key)</c>: None when absent; an AttributeError on anything but a dict.</summary>
    static JsonNode? PyGet(JsonNode? d, string key) => d is JsonObject o
        ? (o.TryGetPropertyValue(key, out var v) ? v : null)
        : throw new PyException("AttributeError", $"'{TypeName(d)}' object has no attribute 'get'");

    /// <summary><c>d[key]</c>: a KeyError when absent; a TypeError on a list or a value.</summary>
    static JsonNode? Index(JsonNode? d, string key) => d switch
    {
        JsonObject o => o.TryGetPropertyValue(key, out var v) ? v : throw new PyException("KeyError", $"'{key}'"),
        JsonArray => throw new PyException("TypeError", "list indices must be integers or slices, not str"),
        _ => throw new PyException("TypeError", $"'{TypeName(d)}' object is not subscriptable"),
    };

    static void SetItem(JsonNode target, string key, JsonNode? value)
    {
        if (target is not JsonObject o) throw new PyException("TypeError", $"'{TypeName(target)}' object does not support item assignment");
        o[key] = value?.DeepClone();
    }

    /// <summary><c>for x in d</c>: a dict's keys, a list's items (as text).</summary>
    static IEnumerable<string> Iterate(JsonNode d) => d switch
    {
        JsonObject o => o.Select(p => p.Key).ToList(),
        JsonArray a => a.Select(i => i?.ToString() ?? "None").ToList(),
        _ => throw new PyException("TypeError", $"'{TypeName(d)}' object is not iterable"),
    };

    /// <summary><c>int(x)</c>.</summary>
    static long PyInt(JsonNode? n) => n switch
    {
        JsonValue v when v.GetValueKind() == JsonValueKind.Number => (long)v.GetValue<double>(),
        JsonValue v when v.GetValueKind() == JsonValueKind.String && long.TryParse(v.GetValue<string>().Trim(), out long i) => i,
        JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False => v.GetValueKind() == JsonValueKind.True ? 1 : 0,
        JsonValue v when v.GetValueKind() == JsonValueKind.String => throw new PyException("ValueError", $"invalid literal for int() with base 10: '{v}'"),
        _ => throw new PyException("TypeError", $"int() argument must be a string or a number, not '{TypeName(n)}'"),
    };

    static string? Str(JsonNode? n) => n is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : n?.ToJsonString();

    /// <summary><c>self.entries[slot]</c>: entries are keyed by int, so the slot must be a JSON number.</summary>
    JsonObject EntryAt(JsonNode? slot)
    {
        if (slot is JsonValue v && v.GetValueKind() == JsonValueKind.Number && Entries.TryGetValue((long)v.GetValue<double>(), out var entry))
            return entry as JsonObject ?? throw new PyException("TypeError", "entry is not a dict");
        throw new PyException("KeyError", slot?.ToJsonString() ?? "None");
    }

    static string Clip(JsonElement frame)
    {
        string text = frame.GetRawText();
        return text.Length <= 160 ? text : text[..160] + "…";
    }

    public ValueTask DisposeAsync() => ws.DisposeAsync();
}
