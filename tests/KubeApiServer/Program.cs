using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;

namespace ModelAgent.Testing.KubeApi;

/// <summary>
/// <c>dotnet run --project tests/KubeApiServer -- --port N [--watch-history N] [--authorize]
/// [--tls-cert-file PEM --tls-private-key-file PEM] [--verbose]</c>: serves until SIGTERM or Ctrl-C. The first stdout line
/// is <c>listening on http(s)://127.0.0.1:PORT</c> (port 0 picks a free one), for scripts that start it and read the address.
/// </summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var options = new KubeApiServerOptions();
        var verbose = false;
        string? certFile = null, keyFile = null;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--port" when i + 1 < args.Length
                    && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port <= 65535:
                    options = options with { Port = port };
                    i++;
                    break;
                case "--watch-history" when i + 1 < args.Length
                    && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var history) && history > 0:
                    options = options with { WatchHistoryLimit = history };
                    i++;
                    break;
                case "--authorize":
                    options = options with { Authorize = true };
                    break;
                case "--tls-cert-file" when i + 1 < args.Length:
                    certFile = args[++i];
                    break;
                case "--tls-private-key-file" when i + 1 < args.Length:
                    keyFile = args[++i];
                    break;
                case "--verbose":
                    verbose = true;
                    break;
                default:
                    Console.Error.WriteLine(
                        $"error: unexpected argument '{args[i]}'. Usage: KubeApiServer --port N (0 = any free port) [--watch-history N] " +
                        $"[--authorize] [--tls-cert-file PEM --tls-private-key-file PEM] [--verbose]");
                    return 2;
            }
        }
        if ((certFile is null) != (keyFile is null))
        {
            Console.Error.WriteLine("error: --tls-cert-file and --tls-private-key-file go together: give both to serve HTTPS, or neither");
            return 2;
        }
        if (certFile is not null)
            options = options with
            {
                ServingCertificate = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPemFile(certFile, keyFile),
            };

        // Logs go to stderr: stdout carries only the "listening on" line that scripts read.
        using var loggers = LoggerFactory.Create(b => b
            .AddSimpleConsole(c => c.SingleLine = true)
            .AddConsole(c => c.LogToStandardErrorThreshold = LogLevel.Trace)
            .AddFilter("Microsoft", LogLevel.Warning)
            .SetMinimumLevel(verbose ? LogLevel.Debug : LogLevel.Warning));
        await using var server = await KubeApiServer.StartAsync(options with { LoggerFactory = loggers });
        Console.Out.WriteLine($"listening on {server.BaseAddress.ToString().TrimEnd('/')}");
        Console.Out.Flush();

        var stop = new TaskCompletionSource();
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.TrySetResult(); });
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.TrySetResult(); });
        await stop.Task;
        return 0;
    }
}
