using Microsoft.Extensions.Logging;
using ModelAgent.Testing.KubeApi.Authorization;
using ModelAgent.Testing.KubeApi.Control;
using ModelAgent.Testing.KubeApi.Discovery;
using ModelAgent.Testing.KubeApi.Errors;
using ModelAgent.Testing.KubeApi.Faults;
using ModelAgent.Testing.KubeApi.Resources;
using ModelAgent.Testing.KubeApi.Stats;

namespace ModelAgent.Testing.KubeApi.Http;

/// <summary>
/// Sends each request where it belongs: test controls, discovery and OpenAPI, or a resource verb. Resource
/// requests are counted and pass the fault injector first; discovery is neither counted nor faulted, so a fault
/// rule aimed at leases does not also break kubectl's or the client's discovery.
/// </summary>
internal sealed class ApiRouter(
    ResourceCatalog catalog,
    RbacAuthorizer? authorizer,
    ResourceEndpoint resources,
    TestControlEndpoint control,
    FaultInjector faults,
    RequestStats stats,
    TimeProvider time,
    ILogger logger,
    CancellationToken stopping)
{
    private readonly DiscoveryDocuments _discovery = new(catalog);
    private readonly AggregatedDiscovery _aggregated = new(catalog);
    private readonly OpenApiDocuments _openApi = new(catalog);

    public async Task HandleAsync(HttpContext context)
    {
        try
        {
            await RouteAsync(context);
        }
        catch (Exception e) when (e is not OperationCanceledException || !context.RequestAborted.IsCancellationRequested)
        {
            // A bug in this server: say so loudly in the response and the log rather than with an empty 500.
            logger.LogError(e, "Unhandled error serving {Method} {Path}", context.Request.Method, context.Request.Path);
            if (!context.Response.HasStarted)
                await JsonIo.WriteErrorAsync(context, ApiError.Internal($"test API server bug: {e.GetType().Name}: {e.Message}"));
        }
    }

    private async Task RouteAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "/";
        RequestUser? user = null;
        if (authorizer is not null && path.TrimEnd('/') is not ("/healthz" or "/readyz" or "/livez"))
        {
            user = RequestUser.FromAuthorizationHeader(context.Request.Headers.Authorization);
            if (user is null)
            {
                logger.LogInformation("Refused {Method} {Path}: no known bearer token", context.Request.Method, path);
                await JsonIo.WriteErrorAsync(context, ApiError.Unauthorized());
                return;
            }
        }
        if (path.StartsWith(TestControlEndpoint.Prefix + "/", StringComparison.Ordinal))
        {
            if (user is { IsAdmin: false })
                await JsonIo.WriteErrorAsync(context, ApiError.ForbiddenPath(user.Name, context.Request.Method.ToLowerInvariant(), path));
            else
                await control.HandleAsync(context);
            return;
        }
        var request = ResourceRequest.Parse(catalog, path, out var unknownResource);
        if (request is null)
        {
            if (unknownResource || context.Request.Method != "GET" || !await ServeDocumentAsync(context, path.TrimEnd('/')))
                await JsonIo.WriteErrorAsync(context, ApiError.UnknownPath());
            return;
        }

        var watchQuery = context.Request.Query["watch"] is [("true" or "1")];
        var verb = request.Verb(context.Request.Method, watchQuery);
        stats.Record(verb, request.ResourceLabel, context.Request.Headers.UserAgent);
        if (verb == "patch") stats.RecordPatch(request.ResourceLabel, context.Request.ContentType);
        if (user is not null) stats.RecordUser(user.Name, verb, request.ResourceLabel);
        logger.LogDebug("{Verb} {Resource} {Namespace}/{Name}", verb, request.ResourceLabel, request.Namespace, request.Name);

        if (user is not null && !authorizer!.Allows(user, request, verb))
        {
            logger.LogInformation("Forbidden: {User} {Verb} {Resource} {Namespace}/{Name}", user.Name, verb, request.ResourceLabel,
                request.Namespace, request.Name);
            stats.RecordForbidden(user.Name, verb, request.ResourceLabel);
            await JsonIo.WriteErrorAsync(context,
                ApiError.Forbidden(request.Resource, request.ResourceLabel, verb, request.Name, request.Namespace, user.Name));
            return;
        }
        var fault = faults.Decide(verb, request.Resource.Plural, request.ResourceLabel);
        if (fault.Hang > TimeSpan.Zero)
        {
            using var hang = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping);
            try
            {
                await Task.Delay(fault.Hang, time, hang.Token);
            }
            catch (OperationCanceledException)
            {
                return; // the client gave up (the point of a hang fault), or the server is stopping
            }
        }
        if (fault.ErrorCode is { } code)
        {
            stats.RecordFault();
            logger.LogInformation("Injected {Code} for {Verb} {Resource}", code, verb, request.ResourceLabel);
            await JsonIo.WriteErrorAsync(context, ApiError.Injected(code, request.Resource.QualifiedResource));
            return;
        }
        await resources.HandleAsync(context, request, verb, fault.DropWatchAfter);
    }

    /// <summary>Discovery, OpenAPI, version and health documents; false when the path is none of them.</summary>
    private async Task<bool> ServeDocumentAsync(HttpContext context, string path)
    {
        var segments = path.Trim('/').Split('/');
        var aggregated = AggregatedDiscovery.Negotiate(context.Request.Headers.Accept);
        switch (segments)
        {
            case ["api"] when aggregated is not null:
            case ["apis"] when aggregated is not null:
                await JsonIo.WriteAsync(context, 200, _aggregated.Document(aggregated, core: segments[0] == "api"),
                    AggregatedDiscovery.ContentType(aggregated));
                return true;
            case ["api"]:
                await JsonIo.WriteAsync(context, 200, _discovery.CoreVersions(context.Request.Host.Value ?? "127.0.0.1"));
                return true;
            case ["apis"]:
                await JsonIo.WriteAsync(context, 200, _discovery.GroupList());
                return true;
            case ["api", var version] when _discovery.ResourceList("", version) is { } core:
                await JsonIo.WriteAsync(context, 200, core);
                return true;
            case ["apis", var group] when _discovery.Group(group) is { } groupDoc:
                await JsonIo.WriteAsync(context, 200, groupDoc);
                return true;
            case ["apis", var group, var version] when _discovery.ResourceList(group, version) is { } list:
                await JsonIo.WriteAsync(context, 200, list);
                return true;
            case ["version"]:
                await JsonIo.WriteAsync(context, 200, DiscoveryDocuments.Version());
                return true;
            case ["openapi", "v3"]:
                await JsonIo.WriteAsync(context, 200, _openApi.Root());
                return true;
            case ["openapi", "v3", ..] when _openApi.GroupVersion(string.Join('/', segments[2..])) is { } doc:
                await JsonIo.WriteAsync(context, 200, doc);
                return true;
            case ["healthz"] or ["readyz"] or ["livez"]:
                context.Response.ContentType = "text/plain";
                await context.Response.WriteAsync("ok", context.RequestAborted);
                return true;
            default:
                return false;
        }
    }
}
