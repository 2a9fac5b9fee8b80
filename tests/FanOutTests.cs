using AcWs.Tests.Support;

namespace AcWs.Tests;

/// <summary>
/// Pushed events go out on every CPU once there are enough clients (Host/FanOut.cs): each client still gets every
/// event, once, in the order acServer printed them.
/// </summary>
public class FanOutTests
{
    [Test]
    public async Task Every_client_of_many_gets_every_event_once_and_in_order()
    {
        const int Clients = 150, Joins = 10;
        using var folder = new StandInFolder();
        await using var host = await AgentHost.StartAsync(folder.Root, maxClients: Clients + 10);
        await using var admin = await WsClient.ConnectAsync(host.Port);
        var many = await Task.WhenAll(Enumerable.Range(0, Clients).Select(_ => WsClient.ConnectAsync(host.Port)));
        try
        {
            await Assert.That((await admin.AskAsync("server start")).ErrorOrNull()).IsNull();
            for (int i = 0; i < Joins; i++) folder.Cue($"join CAR_{i}");
            var seen = await Task.WhenAll(many.Select(async c =>
            {
                var slots = new List<int>();
                while (slots.Count < Joins)
                    slots.Add((await c.ReceiveUntilAsync(f => Frames.IsDriverEvent(f, "joining"), TimeSpan.FromSeconds(60)))
                        .Data().GetProperty("driver").GetProperty("slot").GetInt32());
                return slots;
            }));
            foreach (var slots in seen) await Assert.That(slots).IsEquivalentTo(Enumerable.Range(0, Joins), TUnit.Assertions.Enums.CollectionOrdering.Matching);
        }
        finally
        {
            await admin.AskAsync("server stop");
            foreach (var c in many) await c.DisposeAsync();
        }
    }
}
