using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using ModelAgent.Hub.Api;
using ModelAgent.Hub.Control;
using ModelAgent.Hub.Faults;
using ModelAgent.Hub.Files;
using ModelAgent.Hub.Routing;
using ModelAgent.Hub.Stats;

namespace ModelAgent.Hub;

/// <summary>
/// The single entry point of both listeners: parses the raw target, counts the request, applies request faults
/// (latency, rate limit, 5xx), checks the token, and dispatches. Only requests that passed their check enter the
/// request log; every request is counted. Plain middleware rather than endpoint routing,
/// because routing decodes the path before we can split it per segment.
/// </summary>
internal sealed class HubRequestHandler(HubState state, string listener, ILogger logger)
{
    private bool IsCdn => listener == "cdn";

    public async Task HandleAsync(HttpContext context)
    {
        var raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? context.Request.Path.ToString();
        if (Uri.TryCreate(raw, UriKind.Absolute, out var absolute) && absolute.Scheme.StartsWith("http", StringComparison.Ordinal))
            raw = absolute.PathAndQuery; // absolute-form request target (proxies)
        var route = HubRoute.Parse(raw, IsCdn);
        var hadAuthorization = AccessCheck.HasAuthorization(context);
        var range = context.Request.Headers.Range.Count > 0 ? context.Request.Headers.Range.ToString() : null;
        state.Stats.CountRequest(listener, route.StatsKind, hadAuthorization, range is not null);
        var tally = RequestTally.Of(context);
        var method = context.Request.Method;
        // Logs show the path only: a CDN link's query is its signature, as good as the token for that file.
        var shown = PathOnly(raw);
        var token = state.Options.Token;
        if (!IsCdn && route.Kind != RouteKind.Control && (token is null || AccessCheck.HasValidToken(context, token)))
            AccessCheck.MarkAuthenticated(context);
        var logged = false;
        void Log(int status)
        {
            if (logged || !AccessCheck.IsAuthenticated(context)) return;
            logged = true;
            state.Stats.Record(new LoggedRequest(listener, method, raw, range, hadAuthorization, status, tally));
        }
        // Logged when the response starts, before the client can have seen its end (the status is final by then).
        context.Response.OnStarting(() =>
        {
            Log(context.Response.StatusCode);
            return Task.CompletedTask;
        });
        try
        {
            await DispatchAsync(context, route);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; nothing to answer.
        }
        catch (BadHttpRequestException ex)
        {
            // Kestrel's own limits hit while the body is read (a chunked body past MaxRequestBodySize: 413).
            logger.LogDebug("{Listener} {Method} {Target} refused: {Reason}", listener, method, shown, ex.Message);
            if (!context.Response.HasStarted) await HubErrors.WriteAsync(context, ex.StatusCode, null, ex.Message);
            else context.Abort();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A file vanished or became unreadable between listing and serving.
            logger.LogError(ex, "{Listener} {Method} {Target} failed", listener, method, shown);
            if (!context.Response.HasStarted)
                await HubErrors.WriteAsync(context, 500, null, "The file could not be read on the server; try again.");
            else context.Abort();
        }
        finally
        {
            if (!context.Response.HasStarted) Log(context.Response.StatusCode);
            logger.LogDebug("{Listener} {Method} {Target} range={Range} -> {Status}", listener, method, shown,
                range is { Length: > 256 } ? range[..256] + "…" : range, context.Response.StatusCode);
        }
    }

    private static string PathOnly(string raw)
    {
        var query = raw.IndexOf('?');
        return query >= 0 ? raw[..query] + "?…" : raw;
    }

    private async Task DispatchAsync(HttpContext context, HubRoute route)
    {
        if (route.Kind == RouteKind.Control && !ControlAccess.Enabled(state.Options))
            route = new HubRoute(RouteKind.Unknown); // off: as if absent
        if (route.Kind == RouteKind.Control)
        {
            await ControlEndpoint.HandleAsync(context, state, route);
            return;
        }
        if (route.Kind == RouteKind.Unknown)
        {
            await HubErrors.WriteAsync(context, 404, null, $"Not an endpoint of this hub: {context.Request.Method} {context.Request.Path}");
            return;
        }
        var method = context.Request.Method;
        var allowed = route.Kind == RouteKind.PathsInfo ? HttpMethods.IsPost(method) : HttpMethods.IsGet(method)
            || HttpMethods.IsHead(method);
        if (!allowed)
        {
            context.Response.StatusCode = 405;
            return;
        }
        if (!await RequestFaults.PassAsync(context, state, route)) return;
        if (!IsCdn && !await AccessCheck.AllowRepoAsync(context, state, route.RepoId)) return;
        switch (route.Kind)
        {
            case RouteKind.RepoInfo: await RepoInfoEndpoint.HandleAsync(context, state, route); break;
            case RouteKind.Tree: await TreeEndpoint.HandleAsync(context, state, route); break;
            case RouteKind.PathsInfo: await PathsInfoEndpoint.HandleAsync(context, state, route); break;
            case RouteKind.Resolve: await ResolveEndpoint.HandleAsync(context, state, route); break;
            case RouteKind.Cdn: await CdnEndpoint.HandleAsync(context, state, route); break;
        }
    }
}
