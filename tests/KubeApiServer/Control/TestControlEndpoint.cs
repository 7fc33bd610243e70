using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using ModelAgent.Testing.KubeApi.Errors;
using ModelAgent.Testing.KubeApi.Faults;
using ModelAgent.Testing.KubeApi.Http;
using ModelAgent.Testing.KubeApi.Stats;
using ModelAgent.Testing.KubeApi.Storage;

namespace ModelAgent.Testing.KubeApi.Control;

/// <summary>
/// /_test/...: the same controls tests have in-process, over HTTP for a server started as its own process.
/// <list type="bullet">
/// <item>GET /_test/faults — the rules in force; PUT replaces them ({"rules":[...]}); POST adds one rule; DELETE clears.</item>
/// <item>POST /_test/faults/drop-watches[?resource=leases] — closes open watch streams now.</item>
/// <item>POST /_test/compact — forgets watch history, so resuming from any older resourceVersion gets 410.</item>
/// <item>GET /_test/stats — request counts by "verb resource" and by User-Agent; in RBAC mode requests and refusals by
/// "user verb resource";
/// DELETE resets them.</item>
/// </list>
/// </summary>
internal sealed class TestControlEndpoint(FaultInjector faults, RequestStats stats, ObjectStore store)
{
    public const string Prefix = "/_test";

    internal static readonly JsonSerializerOptions RuleJson = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public async Task HandleAsync(HttpContext context)
    {
        var path = context.Request.Path.Value!.TrimEnd('/');
        var method = context.Request.Method;
        switch (path, method)
        {
            case ("/_test/faults", "GET"):
                await JsonIo.WriteAsync(context, 200, RulesDocument());
                break;
            case ("/_test/faults", "DELETE"):
                faults.Clear();
                await JsonIo.WriteAsync(context, 200, RulesDocument());
                break;
            case ("/_test/faults", "PUT" or "POST"):
                await InstallAsync(context, replace: method == "PUT");
                break;
            case ("/_test/faults/drop-watches", "POST"):
                var dropped = store.DropWatches(NullIfEmpty(context.Request.Query["resource"]));
                await JsonIo.WriteAsync(context, 200, new JsonObject { ["dropped"] = dropped });
                break;
            case ("/_test/compact", "POST"):
                store.CompactHistory();
                await JsonIo.WriteAsync(context, 200,
                    new JsonObject { ["resourceVersion"] = store.CurrentResourceVersion.ToString(CultureInfo.InvariantCulture) });
                break;
            case ("/_test/stats", "GET"):
                await JsonIo.WriteAsync(context, 200, StatsDocument());
                break;
            case ("/_test/stats", "DELETE"):
                stats.Reset();
                await JsonIo.WriteAsync(context, 200, StatsDocument());
                break;
            default:
                await JsonIo.WriteErrorAsync(context, ApiError.UnknownPath());
                break;
        }
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    private async Task InstallAsync(HttpContext context, bool replace)
    {
        List<FaultRule> rules;
        try
        {
            var text = await JsonIo.ReadTextAsync(context);
            rules = replace
                ? JsonSerializer.Deserialize<RuleSet>(text, RuleJson)?.Rules ?? []
                : [JsonSerializer.Deserialize<FaultRule>(text, RuleJson) ?? throw new JsonException("empty rule")];
        }
        catch (JsonException e)
        {
            await JsonIo.WriteErrorAsync(context,
                ApiError.BadRequest(
                $"fault rules must be JSON like " +
                $"{{\"rules\":[{{\"resource\":\"leases\",\"verb\":\"update\",\"errorCode\":503,\"rate\":0.5}}]}}: {e.Message}"));
            return;
        }
        if (rules.Select(r => r.Problem()).FirstOrDefault(p => p is not null) is { } problem)
        {
            await JsonIo.WriteErrorAsync(context, ApiError.BadRequest($"fault rule rejected: {problem}"));
            return;
        }
        if (replace) faults.Clear();
        foreach (var rule in rules) faults.Add(rule);
        await JsonIo.WriteAsync(context, 200, RulesDocument());
    }

    private JsonObject RulesDocument() =>
        new() { ["rules"] = JsonSerializer.SerializeToNode(faults.Active(), RuleJson) };

    private JsonObject StatsDocument() => new()
    {
        ["total"] = stats.Total,
        ["faultsInjected"] = stats.FaultsInjected,
        ["openWatches"] = store.OpenWatches,
        ["openWatchesByResource"] = JsonSerializer.SerializeToNode(store.OpenWatchesByResource()),
        ["resourceVersion"] = store.CurrentResourceVersion.ToString(CultureInfo.InvariantCulture),
        ["byVerbAndResource"] = JsonSerializer.SerializeToNode(stats.ByVerbAndResource),
        ["byUserAgent"] = JsonSerializer.SerializeToNode(stats.ByUserAgent),
        ["forbidden"] = JsonSerializer.SerializeToNode(stats.Forbidden),
        ["byUserVerbAndResource"] = JsonSerializer.SerializeToNode(stats.ByUser),
    };

    private sealed record RuleSet(List<FaultRule>? Rules);
}
