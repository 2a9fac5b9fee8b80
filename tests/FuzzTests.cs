using System.Text.Json;
using AcWs.Commands;
using AcWs.Tests.Support;

namespace AcWs.Tests;

/// <summary>Random command lines built from the table's own words and nasty arguments: every one gets a clear reply.</summary>
public class FuzzTests
{
    [Test]
    public async Task Random_command_lines_always_get_a_data_or_error_reply_and_never_an_internal_error()
    {
        using var f = new TempServerFolder();
        Directory.CreateDirectory(f.PathOf("results"));
        File.Copy(Fixtures.Real("results/justapenguin_2019_2_15_21_16_RACE.json"), f.PathOf("results/2019_2_15_21_16_RACE.json"));
        // Never the real lobby: registration off, and a lobby address nobody listens on.
        var cfg = Ini.IniDocument.Load(f.Cfg("server_cfg.ini"), "server_cfg.ini");
        cfg.Set("SERVER", "REGISTER_TO_LOBBY", "0");
        File.WriteAllBytes(f.Cfg("server_cfg.ini"), cfg.ToBytes());
        var options = new Options { Dir = f.Root, LobbyUrl = $"http://127.0.0.1:{StandInFolder.FreePort()}/lobby.ashx" };
        var agent = new Agent(options, new ServerFolder(f.Root), TextWriter.Null);

        var words = CommandTable.Rows.SelectMany(r => r.WordList).Distinct().Where(w => w != "shutdown").ToList();
        string[] args = ["0", "1", "-1", "10", "999", "1000", "99999999999", "1e3", "3.5", "race", "PRACTICE", "qualify", "booking",
            "enable", "disable", "laps", "time", "wait", "open", "../../etc/passwd", "/etc/passwd", "results/2019_2_15_21_16_RACE.json",
            "2019_2_15_21_16_RACE.json", "nope.json", "é", "\u0000", "'", "\"", "[CAR_0]", "%00", new string('x', 300)];
        var random = new Random(7);
        int errors = 0, data = 0;
        for (int i = 0; i < 3000; i++)
        {
            var parts = new List<string>();
            // Half the lines start with a real command, so its own argument checks are what gets exercised.
            if (random.Next(2) == 0) parts.Add(CommandTable.Rows[random.Next(CommandTable.Rows.Length)].Words);
            for (int n = random.Next(parts.Count == 0 ? 1 : 0, 5); n > 0; n--)
                parts.Add(random.Next(3) == 0 ? words[random.Next(words.Count)] : args[random.Next(args.Length)]);
            string line = string.Join(' ', parts);
            if (line.StartsWith("shutdown", StringComparison.OrdinalIgnoreCase)) continue;

            var reply = await Dispatcher.RunAsync(line, agent.Rooms);
            var json = JsonDocument.Parse(reply.ToJson()).RootElement;
            bool hasData = json.TryGetProperty("data", out _), hasError = json.TryGetProperty("error", out var error);
            if (hasData == hasError) throw new Exception($"'{line}' got neither or both: {json}");
            if (hasError)
            {
                errors++;
                string msg = error.GetProperty("msg").GetString() ?? "";
                if (msg.Length == 0 || msg.Contains("internal error")) throw new Exception($"'{line}' got an unclear error: {msg}");
            }
            else data++;
        }
        await Assert.That(errors).IsGreaterThan(500);
        await Assert.That(data).IsGreaterThan(100);
    }
}
