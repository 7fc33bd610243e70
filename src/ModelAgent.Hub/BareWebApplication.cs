using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ModelAgent.Hub;

/// <summary>
/// A web application with Kestrel and routing and nothing else, for every listener the CLI opens (hub serve, the agent's
/// probes): no appsettings.json read from the working directory (its "Kestrel" section could add listeners the flags never
/// asked for), no ASPNETCORE_/DOTNET_ settings, no file watcher (one inotify instance per process: 128 agents on one
/// machine exhaust the default per-user limit), no log providers, and signals left to the caller (<see cref="PassiveHostLifetime"/>).
/// </summary>
internal static class BareWebApplication
{
    public static WebApplicationBuilder CreateBuilder()
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore();
        builder.Services.AddRoutingCore();
        builder.Services.AddSingleton<IHostLifetime, PassiveHostLifetime>();
        return builder;
    }
}
