using System.CommandLine;
using Microsoft.Extensions.Logging;
using ModelAgent.Hub;
using ModelAgent.Hub.Peers;
using ModelAgent.Peers;

namespace ModelAgent.Cli.Commands;

/// <summary>
/// <c>model-agent peer serve DIR... [--host H] [--port N] [--token-file F] [--max-uploads N]</c>: serves the complete models
/// in the given model directories over the peer protocol (docs/peers.md) until Ctrl-C/SIGTERM, for hosts without the
/// agent and for tests. The first stdout line is <c>listening on http://HOST:PORT</c>; logs go to stderr.
/// </summary>
internal static class PeerCommand
{
    public const string TokenEnvironmentVariable = "MODEL_AGENT_PEER_TOKEN";

    public static Command Create()
    {
        var dirs = new Argument<DirectoryInfo[]>("DIR")
        {
            Description = "Model directories to serve, each complete (with its completion record).",
            Arity = ArgumentArity.OneOrMore,
        };
        var host = new Option<string>("--host") { Description = "Address to listen on.", DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int>("--port") { Description = "Port to listen on; 0 picks a free one.", DefaultValueFactory = _ => 0 };
        var tokenFile = new Option<FileInfo?>("--token-file")
        {
            Description = "File holding the token every request must send as 'Authorization: Bearer <token>' " +
                $"(or set {TokenEnvironmentVariable}).",
        };
        var maxUploads = new Option<int>("--max-uploads")
        {
            Description = "Files sent at once; more requests are answered 503 with Retry-After.",
            DefaultValueFactory = _ => PeerServerOptions.DefaultMaxUploads,
        };
        // A test fault (a peer that sends wrong bytes); hidden from help and off unless named.
        var faultCorrupt = new Option<bool>("--fault-corrupt") { Hidden = true };
        var serve = new Command("serve", "Serve complete model directories to other nodes over the peer protocol.")
        {
            dirs, host, port, tokenFile, maxUploads, faultCorrupt,
        };
        serve.SetAction(async (parse, cancellationToken) =>
        {
            var token = HubCommand.ReadToken(parse.GetValue(tokenFile), TokenEnvironmentVariable, "--token-file", out var tokenProblem);
            if (tokenProblem is not null)
            {
                Console.Error.WriteLine($"error: {tokenProblem}");
                return ExitCodes.Usage;
            }
            var catalog = new PeerCatalog();
            foreach (var dir in parse.GetValue(dirs)!)
            {
                if (catalog.AddFromDisk(dir.FullName) is { } problem)
                {
                    Console.Error.WriteLine($"error: not serving {dir.FullName}: {problem}; pull or repair it first, or leave it out.");
                    return ExitCodes.Usage;
                }
            }
            using var loggerFactory = new EscapingLoggerFactory(LoggerFactory.Create(b => b
                .AddSimpleConsole(o => o.SingleLine = true)
                .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace)
                .SetMinimumLevel(LogLevel.Information)));
            var options = new PeerServerOptions
            {
                Host = parse.GetValue(host)!,
                Port = parse.GetValue(port),
                Token = token,
                MaxUploads = parse.GetValue(maxUploads),
                CorruptBodies = parse.GetValue(faultCorrupt),
                LoggerFactory = loggerFactory,
            };
            PeerServer server;
            try
            {
                server = await PeerServer.StartAsync(catalog, options, cancellationToken);
            }
            catch (HubStartException ex)
            {
                Console.Error.WriteLine($"error: {ex.Message}");
                return ExitCodes.Usage;
            }
            await using (server)
            {
                Console.Out.WriteLine($"listening on {server.BaseAddress.GetLeftPart(UriPartial.Authority)}");
                Console.Out.Flush();
                try { await Task.Delay(Timeout.Infinite, cancellationToken); }
                catch (OperationCanceledException) { }
            }
            return ExitCodes.Success;
        });
        return new Command("peer", "Serve models to other nodes (the peer protocol, docs/peers.md).") { serve };
    }
}
