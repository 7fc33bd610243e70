using Microsoft.Extensions.Hosting;

namespace ModelAgent.Hub;

/// <summary>
/// Keeps ASP.NET's default console lifetime from taking over Ctrl-C/SIGTERM: whoever started the hub (the CLI, a
/// test) owns shutdown and disposes the server.
/// </summary>
internal sealed class PassiveHostLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
