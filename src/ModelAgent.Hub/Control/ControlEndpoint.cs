using System.Text.Json;
using Microsoft.AspNetCore.Http;
using ModelAgent.Hub.Api;
using ModelAgent.Hub.Faults;
using ModelAgent.Hub.Routing;

namespace ModelAgent.Hub.Control;

/// <summary>
/// Test hooks under <c>/_hub/</c>, for tests that run the hub as a separate process:
/// <c>GET stats</c>, <c>POST stats/reset</c>, <c>GET requests?after=N&amp;limit=M</c> (the request log, paged),
/// <c>GET|PUT faults</c>. Who may call them: <see cref="ControlAccess"/> (the caller has checked it is enabled).
/// </summary>
internal static class ControlEndpoint
{
    public const int RequestPageCap = 1000;

    public static async Task HandleAsync(HttpContext context, HubState state, HubRoute route)
    {
        if (!await ControlAccess.AllowAsync(context, state.Options)) return;
        AccessCheck.MarkAuthenticated(context);
        var method = context.Request.Method;
        switch (route.Path)
        {
            case "stats" when HttpMethods.IsGet(method):
                await JsonAnswer.WriteAsync(context, state, "control", state.Stats.Snapshot());
                return;
            case "stats/reset" when HttpMethods.IsPost(method):
                state.Stats.Reset();
                context.Response.StatusCode = 204;
                return;
            case "requests" when HttpMethods.IsGet(method):
                await WriteRequestsAsync(context, state);
                return;
            case "faults" when HttpMethods.IsGet(method):
                await JsonAnswer.WriteAsync(context, state, "control", state.Faults.Settings);
                return;
            case "faults" when HttpMethods.IsPut(method) || HttpMethods.IsPost(method):
                await SetFaultsAsync(context, state);
                return;
            default:
                await HubErrors.WriteAsync(context, 404, null,
                    "Unknown control endpoint; try GET /_hub/stats, POST /_hub/stats/reset, GET /_hub/requests, GET|PUT /_hub/faults.");
                return;
        }
    }

    private static async Task WriteRequestsAsync(HttpContext context, HubState state)
    {
        var query = context.Request.Query;
        long after = 0;
        var limit = RequestPageCap;
        if ((query.ContainsKey("after") && !long.TryParse(query["after"], out after)) || after < 0 ||
            (query.ContainsKey("limit") && !int.TryParse(query["limit"], out limit)) || limit < 1)
        {
            await HubErrors.WriteAsync(context, 400, null,
                $"'after' must be a whole number >= 0 and 'limit' one >= 1 (at most {RequestPageCap} entries per page).");
            return;
        }
        await JsonAnswer.WriteAsync(context, state, "control", state.Stats.Requests(after, Math.Min(limit, RequestPageCap)));
    }

    private static async Task SetFaultsAsync(HttpContext context, HubState state)
    {
        FaultSettings? settings;
        try
        {
            settings = await JsonSerializer.DeserializeAsync<FaultSettings>(context.Request.Body, JsonAnswer.Options,
            context.RequestAborted);
        }
        catch (JsonException ex)
        {
            await HubErrors.WriteAsync(context, 400, null, $"Fault settings are not valid JSON: {ex.Message}");
            return;
        }
        var problem = settings is null ? "Fault settings must be a JSON object." : settings.Problem();
        if (problem is not null)
        {
            await HubErrors.WriteAsync(context, 400, null, problem);
            return;
        }
        state.Faults.Settings = settings!;
        await JsonAnswer.WriteAsync(context, state, "control", settings!);
    }
}
