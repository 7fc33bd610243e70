using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ModelAgent.Testing.KubeApi.Authorization;
using ModelAgent.Testing.KubeApi.Control;
using ModelAgent.Testing.KubeApi.Faults;
using ModelAgent.Testing.KubeApi.Http;
using ModelAgent.Testing.KubeApi.Resources;
using ModelAgent.Testing.KubeApi.Stats;
using ModelAgent.Testing.KubeApi.Storage;

namespace ModelAgent.Testing.KubeApi;

/// <summary>
/// A Kubernetes API server for tests, on plain HTTP (or HTTPS with a given certificate) on loopback: discovery,
/// OpenAPI v3 (minimal), and the REST verbs with list/watch, resourceVersion concurrency and finalizers for the kinds in
/// the catalog, plus fault injection and request counters. Start with <see cref="StartAsync"/>; dispose to stop.
/// </summary>
internal sealed class KubeApiServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private KubeApiServer(WebApplication app, ObjectStore store, FaultInjector faults, RequestStats stats, Uri baseAddress)
    {
        _app = app;
        Store = store;
        Faults = faults;
        Stats = stats;
        BaseAddress = baseAddress;
    }

    /// <summary>http(s)://127.0.0.1:PORT/ — give this to a client as its server.</summary>
    public Uri BaseAddress { get; }

    public ObjectStore Store { get; }
    public FaultInjector Faults { get; }
    public RequestStats Stats { get; }

    /// <summary>Closes open watch streams now (all, or of one resource plural); returns how many.</summary>
    public int DropWatches(string? resource = null) => Store.DropWatches(resource);

    /// <summary>Forgets watch history: every watch resuming from an older resourceVersion then gets 410 Expired.</summary>
    public void CompactHistory() => Store.CompactHistory();

    public static async Task<KubeApiServer> StartAsync(KubeApiServerOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new KubeApiServerOptions();
        var loggers = options.LoggerFactory ?? NullLoggerFactory.Instance;
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(loggers);
        builder.Services.Configure<HostOptions>(h => h.ShutdownTimeout = TimeSpan.FromSeconds(2));
        builder.WebHost.UseKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, options.Port, listen =>
            {
                if (options.ServingCertificate is { } certificate) listen.UseHttps(certificate);
            });
            k.AllowSynchronousIO = false;
        });
        var app = builder.Build();

        var time = options.TimeProvider;
        var catalog = ResourceCatalog.BuiltIn();
        var namespaces = catalog.Find("", "v1", "namespaces");
        var store = new ObjectStore(time, options.WatchHistoryLimit, namespaces);
        if (namespaces is not null)
            foreach (var ns in options.Namespaces)
                if (store.Create(namespaces, null, new JsonObject { ["metadata"] = new JsonObject { ["name"] = ns } }, dryRun: false)
                    .Error is { } error)
                    throw new ArgumentException($"namespace '{ns}' in KubeApiServerOptions.Namespaces cannot be created: {error.Message}",
                        nameof(options));
        var faults = new FaultInjector(time, options.FaultSeed);
        var stats = new RequestStats();
        var logger = loggers.CreateLogger("KubeApiServer");
        var endpoint = new ResourceEndpoint(store, new WatchStream(store, time, options.BookmarkInterval, logger),
            new CustomResourceKinds(catalog, store, time), time);
        var authorizer = options.Authorize ? new RbacAuthorizer(store, catalog) : null;
        var router = new ApiRouter(catalog, authorizer, endpoint, new TestControlEndpoint(faults, stats, store), faults, stats, time,
            logger, app.Lifetime.ApplicationStopping);
        app.Run(router.HandleAsync);

        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
            .Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var port = new Uri(address).Port;
        logger.LogInformation("Kubernetes test API server listening on {Address}", address);
        var scheme = options.ServingCertificate is null ? "http" : "https";
        return new KubeApiServer(app, store, faults, stats, new Uri($"{scheme}://127.0.0.1:{port}/"));
    }

    public async ValueTask DisposeAsync()
    {
        // Watch streams never end by themselves; close them first so shutdown does not wait out its timeout.
        Store.DropWatches(null);
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
