using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ModelAgent.Hub;

namespace ModelAgent.Cli.Run;

/// <summary>
/// One process shape for both forms of <c>run</c> (in a cluster and with <c>--models</c>): the agent's hosted service and
/// its probe listener on <c>--port</c> in one bare web host, started together and stopped together when the command's
/// token fires. Shutdown is bounded at 10 s: the reconciles are cancelled (partial files stay for the next start, held
/// leases are released) and waited for 8 s at most.
/// </summary>
internal static class AgentWebHost
{
    private static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Runs until <paramref name="cancellationToken"/> fires; exit 2 when the port is taken.</summary>
    public static async Task<int> RunAsync<TAgent>(TAgent agent, int port, Action<WebApplication> mapEndpoints, ILogger logger,
        CancellationToken cancellationToken) where TAgent : class, IHostedService
    {
        var builder = BareWebApplication.CreateBuilder();
        builder.Services.Configure<HostOptions>(options => options.ShutdownTimeout = ShutdownTimeout);
        // By its own type: hosted services registered as IHostedService itself are refused as indistinguishable.
        builder.Services.AddHostedService(_ => agent);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.ListenAnyIP(port);
        });
        await using var app = builder.Build();
        mapEndpoints(app);
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (IOException e) when (e.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException)
        {
            return Usage($"--port {port} is already in use; pick another (0 picks a free one)");
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return ExitCodes.Success;
        }
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var boundPort = new Uri(bound.Replace("[::]", "localhost", StringComparison.Ordinal)).Port;
        Console.Out.WriteLine($"listening on port {boundPort}");
        logger.LogInformation("Probes on port {Port}: /healthz, /livez, /readyz, /metrics", boundPort);

        await app.WaitForShutdownAsync(cancellationToken);
        logger.LogInformation("Stopped on signal");
        return ExitCodes.Success;
    }

    /// <summary>Writes the problem as <c>error: …</c> on stderr and returns exit code 2.</summary>
    public static int Usage(string message)
    {
        Console.Error.WriteLine(Storage.DisplayName.Line($"error: {message}"));
        return ExitCodes.Usage;
    }
}
