using System.Globalization;
using Microsoft.AspNetCore.Http;
using ModelAgent.Hub.Api;
using ModelAgent.Hub.Routing;

namespace ModelAgent.Hub.Faults;

/// <summary>
/// Faults decided before a request is served: added latency, the fixed-window rate limit (429 with the Hub's
/// RateLimit headers, which are also sent on every allowed response while limiting is on), and random 5xx.
/// </summary>
internal static class RequestFaults
{
    /// <summary>True when the request goes on to be served; otherwise the fault answer has been written.</summary>
    public static async Task<bool> PassAsync(HttpContext context, HubState state, HubRoute route)
    {
        var faults = state.Faults;
        var settings = faults.Settings;
        if (settings.LatencyMs > 0)
            await Task.Delay(TimeSpan.FromMilliseconds(settings.LatencyMs), faults.Time, context.RequestAborted);

        var isFile = route.Kind is RouteKind.Resolve or RouteKind.Cdn;
        if (settings.FilesOnly && !isFile) return true;

        if (settings.RateLimitRequests > 0)
        {
            var decision = faults.RateLimit.Count(isFile ? "resolvers" : "api", settings.RateLimitRequests,
                settings.RateLimitWindowSeconds);
            context.Response.Headers["RateLimit"] = decision.RateLimitHeader;
            context.Response.Headers["RateLimit-Policy"] = decision.PolicyHeader;
            if (!decision.Allowed)
            {
                state.Stats.CountRateLimited();
                context.Response.Headers.RetryAfter = decision.ResetSeconds.ToString(CultureInfo.InvariantCulture);
                await HubErrors.WriteAsync(context, 429, null,
                    $"You have been rate-limited; you can retry this action in about {decision.ResetSeconds} seconds.");
                return false;
            }
        }

        if (faults.Roll(settings.ServerErrorFraction))
        {
            state.Stats.CountServerError();
            await HubErrors.WriteAsync(context, settings.ServerErrorStatus, null, "Injected server error (hub fault injection).");
            return false;
        }
        return true;
    }
}
