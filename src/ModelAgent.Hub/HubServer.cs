using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelAgent.Hub.Control;
using ModelAgent.Hub.Faults;
using ModelAgent.Hub.Files;
using ModelAgent.Hub.Repository;
using ModelAgent.Hub.Stats;

namespace ModelAgent.Hub;

/// <summary>Why the hub could not start, in words a person can act on (the CLI prints it and exits 2).</summary>
internal sealed class HubStartException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// An HF-compatible hub over a folder of models (<c>DIR/org/name/...</c>): the test origin of the transfer engine,
/// the demo's hub and an air-gapped mirror. <see cref="StartAsync"/> returns once it listens.
/// </summary>
internal sealed class HubServer : IAsyncDisposable
{
    private readonly WebApplication _hub;
    private readonly WebApplication? _cdn;
    private readonly CancellationTokenSource _stopping;
    private readonly HubState _state;

    private HubServer(WebApplication hub, WebApplication? cdn, CancellationTokenSource stopping, HubState state, Uri baseAddress)
    {
        (_hub, _cdn, _stopping, _state, BaseAddress) = (hub, cdn, stopping, state, baseAddress);
    }

    public Uri BaseAddress { get; }
    public Uri? CdnAddress => _state.CdnAddress;
    public HubStats Stats => _state.Stats;
    public HubFaults Faults => _state.Faults;
    public HubServerOptions Options => _state.Options;

    /// <summary>Files read and hashed so far (each unchanged file is hashed once per server run).</summary>
    public long FilesHashed => _state.Catalog.Digests.FilesHashed;

    /// <summary>Repo folders walked so far (an unchanged repo is walked once, then served from its cached listing).</summary>
    public long FolderWalks => _state.Catalog.Walks;

    /// <summary>The commit sha <c>main</c> of <paramref name="repoId"/> resolves to right now.</summary>
    public async Task<string> CommitOfAsync(string repoId, CancellationToken cancellationToken)
    {
        var parts = repoId.Split('/');
        var snapshot = parts.Length == 2 ? await _state.Catalog.SnapshotAsync(parts[0], parts[1], cancellationToken) : null;
        return snapshot?.Commit ?? throw new ArgumentException($"No repo '{repoId}' under {Options.Root}", nameof(repoId));
    }

    public static async Task<HubServer> StartAsync(HubServerOptions options, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(options.Root))
            throw new HubStartException($"The models folder '{options.Root}' does not exist; pass a directory laid out as " +
                $"DIR/org/name/<files>.");
        var problem = options.Faults.Problem();
        if (problem is not null) throw new HubStartException($"Invalid fault settings: {problem}");
        if (options.TreePageSize < 1) throw new HubStartException("The tree page size must be at least 1.");
        if (options.Limits.MaxConnections < 1) throw new HubStartException("The connection limit (--max-connections) must be at least 1.");
        if (ControlAccess.Enabled(options) && options.ControlToken is null && options.Token is null && !IsLoopback(options.Host))
            throw new HubStartException($"--control on '{options.Host}' would let anyone who can connect inject faults: " +
                "pass --control-token-file (or --token-file), or listen on a loopback address.");

        var logger = options.LoggerFactory.CreateLogger("ModelAgent.Hub");
        var stopping = new CancellationTokenSource();
        var catalog = new RepoCatalog(options.Root, new StorageRule(options.LfsThresholdBytes),
            new DigestCache(Environment.ProcessorCount, stopping.Token), logger);
        var state = new HubState(options, catalog, new HubStats(), new HubFaults(options.Faults, options.Seed, options.Time),
            new CdnSigner());

        WebApplication? cdn = null;
        try
        {
            if (options.Cdn)
            {
                (cdn, state.CdnAddress) = await StartCdnAsync(options, state, logger, cancellationToken);
            }
            var hubAddress = Address(options.Host);
            var (hub, baseAddress) = await ListenAsync(hubAddress, options.Port, new HubRequestHandler(state, "hub", logger), options,
                cancellationToken);
            logger.LogInformation("Hub serving {Root} on {Address} (cdn {Cdn}, token {TokenState}, control {ControlState})",
                options.Root, baseAddress, state.CdnAddress?.ToString() ?? "off", options.Token is null ? "off" : "required",
                ControlAccess.Describe(options));
            return new HubServer(hub, cdn, stopping, state, baseAddress);
        }
        catch
        {
            if (cdn is not null) await cdn.DisposeAsync();
            catalog.Dispose();
            stopping.Dispose();
            throw;
        }
    }

    private static async Task<(WebApplication, Uri)> StartCdnAsync(HubServerOptions options, HubState state, ILogger logger,
        CancellationToken cancellationToken)
    {
        var handler = new HubRequestHandler(state, "cdn", logger);
        if (options.CdnHost is not null)
            return await ListenAsync(Address(options.CdnHost), 0, handler, options, cancellationToken);
        // Another loopback address makes the CDN a different host, the case where clients must drop the token.
        var hubAddress = Address(options.Host);
        if (hubAddress.Equals(IPAddress.Loopback))
        {
            try { return await ListenAsync(IPAddress.Parse("127.0.0.2"), 0, handler, options, cancellationToken); }
            catch (HubStartException) { }
        }
        return await ListenAsync(hubAddress, 0, handler, options, cancellationToken);
    }

    private static bool IsLoopback(string host) =>
        host == "localhost" || (IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip));

    internal static IPAddress Address(string host)
    {
        if (IPAddress.TryParse(host, out var ip)) return ip;
        if (host == "localhost") return IPAddress.Loopback;
        try { return Dns.GetHostAddresses(host).First(a => a.AddressFamily == AddressFamily.InterNetwork); }
        catch (Exception ex) when (ex is SocketException or InvalidOperationException)
        {
            throw new HubStartException($"Cannot listen on host '{host}': it does not resolve to an IPv4 address.", ex);
        }
    }

    private static async Task<(WebApplication, Uri)> ListenAsync(IPAddress address, int port, HubRequestHandler handler,
        HubServerOptions options, CancellationToken cancellationToken)
    {
        var builder = BareWebApplication.CreateBuilder();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            Apply(kestrel.Limits, options.Limits);
            kestrel.Listen(address, port);
        });
        var app = builder.Build();
        app.Run(handler.HandleAsync);
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (IOException ex)
        {
            await app.DisposeAsync();
            throw new HubStartException(ex.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException
                ? $"Port {port} on {address} is already in use; pick another with --port (0 picks a free one)."
                : $"Cannot listen on {address}:{port}: {(ex.InnerException ?? ex).Message}", ex);
        }
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return (app, new Uri(bound.EndsWith('/') ? bound : bound + "/"));
    }

    internal static void Apply(Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerLimits kestrel, HubLimits limits)
    {
        kestrel.MaxConcurrentConnections = limits.MaxConnections;
        kestrel.MaxConcurrentUpgradedConnections = 0;
        // Kestrel enforces this on chunked bodies too, as they are read: the 413 surfaces as BadHttpRequestException.
        kestrel.MaxRequestBodySize = limits.MaxRequestBodyBytes;
        kestrel.MaxRequestLineSize = limits.MaxRequestLineBytes;
        kestrel.MaxRequestHeadersTotalSize = limits.MaxRequestHeadersBytes;
        kestrel.MaxRequestHeaderCount = limits.MaxRequestHeaderCount;
        kestrel.KeepAliveTimeout = limits.KeepAliveTimeout;
        kestrel.RequestHeadersTimeout = limits.RequestHeadersTimeout;
        kestrel.MinRequestBodyDataRate = new(limits.MinDataRateBytesPerSecond, limits.DataRateGrace);
        kestrel.MinResponseDataRate = new(limits.MinDataRateBytesPerSecond, limits.DataRateGrace);
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        foreach (var app in new[] { _hub, _cdn })
        {
            if (app is null) continue;
            // Downloads still running get a short grace, then their connections are closed: a test or a Ctrl-C
            // must not wait for a slow client to finish a multi-GiB body.
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await app.StopAsync(grace.Token);
            await app.DisposeAsync();
        }
        _state.Catalog.Dispose();
        _stopping.Dispose();
    }
}
