using System.Net.WebSockets;
using AcWs.Files;
using AcWs.Runtime;
using AcWs.Demo;
using AcWs.StandIn;

namespace AcWs.Host;

/// <summary>Runs the agent for parsed options until shutdown; Program adds only argument parsing and signals.</summary>
public static class Serve
{
    /// <summary>Returns the process exit code: 0 after a clean shutdown, 1 when it cannot start.</summary>
    public static async Task<int> RunAsync(Options options, TextWriter stdout, TextWriter stderr,
        CancellationToken stop = default, Action<Agent>? started = null)
    {
        _ = WarmUp.Start();
        string? demoFolder = null;
        DemoLobby? demoLobby = null;
        try
        {
            if (options.Demo)
            {
                foreach (string old in DemoFolder.RemoveLeftovers()) stderr.WriteLine($"acws: removed {old}, left by an acws that was killed");
                // The demo registers with a lobby of its own on 127.0.0.1, never the real one.
                demoLobby = new DemoLobby();
                demoFolder = DemoFolder.CreateFolder(out var strackerPlugin);
                options = options with { Dir = demoFolder, LobbyUrl = demoLobby.BaseUrl, PluginForward = [.. options.PluginForward, strackerPlugin] };
                stderr.WriteLine($"acws: demo server folder is {options.Dir} (removed when acws exits)");
            }
            var folder = new ServerFolder(options.Dir);
            if (!Directory.Exists(folder.Root))
                throw new StartException($"the server folder {folder.Root} does not exist (pass --dir with the folder that holds acServer and cfg/)");
            var (_, cfgError) = folder.Load(ServerFolder.ServerCfg);
            if (cfgError is not null)
                throw new StartException($"{cfgError} ({CfgHint(folder)})");

            var agent = new Agent(options, folder, stdout);
            TidyUp(folder, options, agent);
            await using var listener = new Listener(agent);
            listener.Start();
            string foreign = await agent.Rooms.Server.ProbeForeignProcessAsync() is { } f ? $" ({f})" : "";
            if (options.Demo)
                stderr.WriteLine($"acws: open http://{agent.Hub.Endpoint}/ in a browser for the web console; 'server start' runs the stand-in {(options.AssettoServer ? "AssettoServer" : "acServer")}");
            stdout.WriteLine($"acws listening on ws://{agent.Hub.Endpoint}/{foreign}");
            stdout.Flush();
            started?.Invoke(agent);

            using var onStop = stop.Register(() => agent.Shutdown.Request("signal"));
            // No orphans: if acws goes down without a clean shutdown, its children go with it.
            EventHandler killChildren = (_, _) => agent.KillChildren();
            UnhandledExceptionEventHandler killOnCrash = (_, _) => agent.KillChildren();
            AppDomain.CurrentDomain.ProcessExit += killChildren;
            AppDomain.CurrentDomain.UnhandledException += killOnCrash;
            var serving = listener.RunAsync();
            string why = await agent.Shutdown.Requested;
            agent.Log.Write($"shutting down ({why})");
            await agent.Hub.DrainAsync(TimeSpan.FromSeconds(5));
            await agent.StopChildrenAsync();
            foreach (var client in agent.Hub.Clients) client.Close(WebSocketCloseStatus.EndpointUnavailable, "acws shutting down");
            await listener.DisposeAsync();
            await serving.WaitAsync(TimeSpan.FromSeconds(2)).ContinueWith(_ => { });
            agent.Log.Write("stopped");
            await agent.Log.CloseAsync(TimeSpan.FromSeconds(2));
            AppDomain.CurrentDomain.ProcessExit -= killChildren;
            AppDomain.CurrentDomain.UnhandledException -= killOnCrash;
            return 0;
        }
        catch (StartException e)
        {
            stderr.WriteLine($"acws: {e.Message}");
            return 1;
        }
        finally
        {
            if (demoLobby is not null) await demoLobby.DisposeAsync();
            if (demoFolder is not null && DemoFolder.RemoveFolder(demoFolder) is { } why) stderr.WriteLine($"acws: {why}");
        }
    }

    /// <summary>What to do about a server_cfg.ini that cannot be used: --dir only helps when the file is not there.</summary>
    static string CfgHint(ServerFolder folder)
    {
        string path = folder.PathOf(ServerFolder.ServerCfg);
        return File.Exists(path) ? $"the file is {path}: fix it there" : "pass --dir with the folder that holds cfg/server_cfg.ini";
    }

    /// <summary>At start: the temp files a killed acws left behind, and logs/acws/ beyond --keep-logs runs.</summary>
    static void TidyUp(ServerFolder folder, Options options, Agent agent)
    {
        var leftovers = folder.RemoveLeftoverTempFiles();
        if (leftovers.Count > 0) agent.Log.Write($"removed {leftovers.Count} temp file(s) left by an earlier acws: {string.Join(", ", leftovers)}");
        var old = folder.PruneLogs(options.KeepLogs);
        if (old.Count > 0) agent.Log.Write($"removed {old.Count} file(s) of older runs from {ServerFolder.LogsDir}/ (--keep-logs {options.KeepLogs})");
    }
}
