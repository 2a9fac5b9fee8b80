namespace AcWs.Runtime;

/// <summary>
/// Every wait acws decides by itself, in one place. The defaults are the product's; tests pass shorter ones
/// through <see cref="Options.Timings"/> instead of waiting out the real ones.
/// </summary>
public sealed record Timings
{
    /// <summary>How long a child gets after SIGTERM before its process group is killed.</summary>
    public TimeSpan StopGrace { get; init; } = TimeSpan.FromSeconds(5);
    /// <summary>A child that exits this soon after its start is a failed start, not a crash.</summary>
    public TimeSpan EarlyExitWindow { get; init; } = TimeSpan.FromMilliseconds(500);
    /// <summary>
    /// How long a start waits for a server that says when it is up (AssettoServer) to say so, or to fail; a fatal
    /// error it prints and its exit within this window are one failed start (see <see cref="Live.StartWatch"/>).
    /// </summary>
    public TimeSpan StartWindow { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>How long one lobby register call may take.</summary>
    public TimeSpan LobbyTimeout { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>The wait before the second automatic re-registration try; it doubles before the third.</summary>
    public TimeSpan LobbyRetryDelay { get; init; } = TimeSpan.FromSeconds(5);
    /// <summary>acServer reports a lost registration in two lines (and again on later pings): one run serves them all.</summary>
    public TimeSpan LobbyReRegisterQuiet { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>The first wait before a restart after a crash; it doubles after each crash up to <see cref="CrashBackoffMax"/>.</summary>
    public TimeSpan CrashBackoff { get; init; } = TimeSpan.FromSeconds(1);
    public TimeSpan CrashBackoffMax { get; init; } = TimeSpan.FromSeconds(60);
    /// <summary>A run after a crash restart that lasts this long resets the back-off.</summary>
    public TimeSpan CrashBackoffReset { get; init; } = TimeSpan.FromSeconds(60);
    /// <summary>How often, at most, acServer's ports are probed for a server acws did not start.</summary>
    public TimeSpan ForeignProbeInterval { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>How long one connection attempt of that probe may take.</summary>
    public TimeSpan ForeignProbeTimeout { get; init; } = TimeSpan.FromMilliseconds(300);
    /// <summary>How long a plugin command (kick, session next, car …) waits for acServer's answer over UDP.</summary>
    public TimeSpan PluginReplyTimeout { get; init; } = TimeSpan.FromSeconds(3);
    /// <summary>At most one malformed-datagram line per this long in the log (the rest are counted).</summary>
    public TimeSpan PluginMalformedLogEvery { get; init; } = TimeSpan.FromSeconds(10);
}
