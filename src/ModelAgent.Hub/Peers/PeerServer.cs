using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelAgent.Peers;

namespace ModelAgent.Hub.Peers;

/// <summary>
/// The read-only peer endpoint over a <see cref="PeerCatalog"/> (docs/peers.md §1), on the same bare web host as
/// <c>hub serve</c>. <see cref="StartAsync"/> returns once it listens.
/// </summary>
internal sealed class PeerServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private PeerServer(WebApplication app, Uri baseAddress, PeerServerStats stats, UploadSlots uploads)
    {
        (_app, BaseAddress, Stats, _uploads) = (app, baseAddress, stats, uploads);
    }

    private readonly UploadSlots _uploads;

    public Uri BaseAddress { get; }
    public PeerServerStats Stats { get; }

    /// <summary>File bodies being sent right now.</summary>
    public int UploadsInFlight => _uploads.InUse;

    public static async Task<PeerServer> StartAsync(PeerCatalog catalog, PeerServerOptions options, CancellationToken cancellationToken)
    {
        if (options.MaxUploads < 1) throw new HubStartException("The upload limit (--max-uploads) must be at least 1.");
        if (options.Token is { Length: 0 }) throw new HubStartException("The peer token is empty.");
        var logger = options.LoggerFactory.CreateLogger("ModelAgent.Peers");
        var address = HubServer.Address(options.Host);
        var stats = new PeerServerStats();
        var uploads = new UploadSlots(options.MaxUploads);
        var handler = new PeerRequestHandler(catalog, options, uploads, stats, logger);
        var builder = BareWebApplication.CreateBuilder();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            HubServer.Apply(kestrel.Limits, options.Limits);
            kestrel.Listen(address, options.Port);
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
                ? $"Port {options.Port} on {address} is already in use; pick another peer port (0 picks a free one)."
                : $"Cannot listen on {address}:{options.Port}: {(ex.InnerException ?? ex).Message}", ex);
        }
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var baseAddress = new Uri(bound.EndsWith('/') ? bound : bound + "/");
        logger.LogInformation("Peer endpoint on {Address} (token {TokenState}, at most {MaxUploads} uploads at once)", baseAddress,
            options.Token is null ? "off" : "required", options.MaxUploads);
        return new PeerServer(app, baseAddress, stats, uploads);
    }

    public async ValueTask DisposeAsync()
    {
        // Uploads still running get a short grace, then their connections are closed.
        using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        await _app.StopAsync(grace.Token);
        await _app.DisposeAsync();
    }
}
