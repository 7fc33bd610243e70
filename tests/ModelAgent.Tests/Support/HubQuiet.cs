using System.Text.Json;
using ModelAgent.Hub;
using ModelAgent.Hub.Stats;

namespace ModelAgent.Tests.Support;

/// <summary>
/// The hub counts a body's bytes after each write returns, so a client can finish before the last count lands.
/// Tests read or reset stats only once they stop changing for longer than the hub's throttle slice (50 ms).
/// </summary>
internal static class HubQuiet
{
    public static async Task<HubStatsSnapshot> StatsAsync(HubServer hub)
    {
        var last = JsonSerializer.Serialize(hub.Stats.Snapshot());
        for (var i = 0; i < 50; i++)
        {
            await Task.Delay(150);
            var now = JsonSerializer.Serialize(hub.Stats.Snapshot());
            if (now == last) return hub.Stats.Snapshot();
            last = now;
        }
        return hub.Stats.Snapshot();
    }

    public static async Task ResetAsync(HubServer hub)
    {
        await StatsAsync(hub);
        hub.Stats.Reset();
    }
}
