using System.CommandLine;
using Microsoft.Extensions.Logging;
using ModelAgent.Cli.Progress;
using ModelAgent.Hub;
using ModelAgent.Hub.Faults;

namespace ModelAgent.Cli.Commands;

/// <summary>
/// <c>model-agent hub serve DIR [--host H] [--port N] [--token-file F] [--cdn] [--control] [fault flags]</c>: serves
/// <c>DIR/org/name/...</c> over the Hugging Face protocol until Ctrl-C/SIGTERM. The first stdout line is
/// <c>listening on http://HOST:PORT</c> (a second, <c>cdn on ...</c>, with --cdn); logs go to stderr.
/// </summary>
internal static class HubCommand
{
    public const string TokenEnvironmentVariable = "MODEL_AGENT_HUB_TOKEN";
    public const string ControlTokenEnvironmentVariable = "MODEL_AGENT_HUB_CONTROL_TOKEN";

    public static Command Create()
    {
        var dir = new Argument<DirectoryInfo>("DIR") { Description = "Folder of models laid out as DIR/org/name/<files>." };
        var host = new Option<string>("--host") { Description = "Address to listen on.", DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int>("--port") { Description = "Port to listen on; 0 picks a free one.", DefaultValueFactory = _ => 0 };
        var tokenFile = new Option<FileInfo?>("--token-file")
        {
            Description =
                $"File holding the token every request must send as 'Authorization: Bearer <token>' (or set {TokenEnvironmentVariable})."
        };
        var control = new Option<bool>("--control")
        {
            Description = "Turn on the /_hub/ test endpoints (faults, stats, request log); "
                          + "they need the control or hub token when one is set.",
        };
        var controlTokenFile = new Option<FileInfo?>("--control-token-file")
        {
            Description = $"File holding the token the /_hub/ endpoints require (or set {ControlTokenEnvironmentVariable}); "
                          + "implies --control.",
        };
        var maxConnections = new Option<long>("--max-connections")
        {
            Description = "Open connections per listener; more are refused.",
            DefaultValueFactory = _ => new HubLimits().MaxConnections,
        };
        var cdn = new Option<bool>("--cdn")
        {
            Description = "Redirect LFS files (302) to a second listener on another loopback host, like the Hub's CDN."
        };
        var pageSize = new Option<int>("--page-size") { Description = "Tree entries per page.", DefaultValueFactory = _ => 1000 };
        var gated = new Option<string[]>("--gated")
        {
            Description = "Repo (org/name) whose files need the token (GatedRepo errors otherwise). Repeatable.",
            AllowMultipleArgumentsPerToken = true
        };
        var seed = new Option<int>("--seed")
        {
            Description = "Seed of the random that picks which requests get faults.",
            DefaultValueFactory = _ => 1
        };
        var rateLimit = new Option<int>("--rate-limit")
        {
            Description = "Requests per window and bucket (api, resolvers) before 429; 0 = off."
        };
        var rateWindow = new Option<double>("--rate-limit-window")
        {
            Description = "Rate-limit window in seconds.",
            DefaultValueFactory = _ => 300
        };
        var errorFraction = new Option<double>("--error-fraction") { Description = "Fraction (0..1) of requests answered with a 5xx." };
        var errorStatus = new Option<int>("--error-status") { Description = "The 5xx status to inject.", DefaultValueFactory = _ => 500 };
        var cutFraction = new Option<double>("--cut-fraction") { Description = "Fraction (0..1) of file bodies cut short." };
        var cutAfter = new Option<string>("--cut-after")
        {
            Description = "Bytes sent before a cut (a size, e.g. 64K); -1 = a random point.",
            DefaultValueFactory = _ => "-1"
        };
        var corruptFraction = new Option<double>("--corrupt-fraction")
        {
            Description = "Fraction (0..1) of file bodies with one flipped byte."
        };
        var latency = new Option<int>("--latency-ms") { Description = "Delay added before every response." };
        var bandwidth = new Option<string>("--bandwidth")
        {
            Description = "Total body bandwidth cap per second, a size (e.g. 50M); 0 = none.",
            DefaultValueFactory = _ => "0"
        };
        var connectionBandwidth = new Option<string>("--connection-bandwidth")
        {
            Description = "Per-connection body bandwidth cap per second, a size (e.g. 8M); 0 = none.",
            DefaultValueFactory = _ => "0",
        };
        var filesOnly = new Option<bool>("--faults-files-only")
        {
            Description = "Inject 429/5xx only on file requests, never on the JSON API."
        };
        var verbose = new Option<bool>("--verbose") { Description = "Log every request (never the Authorization header)." };

        var serve = new Command("serve", "Serve a folder of models over the Hugging Face Hub HTTP protocol.")
        {
            dir, host, port, tokenFile, control, controlTokenFile, maxConnections, cdn, pageSize, gated, seed, rateLimit, rateWindow,
            errorFraction, errorStatus,
            cutFraction, cutAfter, corruptFraction, latency, bandwidth, connectionBandwidth, filesOnly, verbose,
        };
        serve.SetAction(async (parse, cancellationToken) =>
        {
            var token = ReadToken(parse.GetValue(tokenFile), TokenEnvironmentVariable, "--token-file", out var tokenProblem);
            var controlToken = ReadToken(parse.GetValue(controlTokenFile), ControlTokenEnvironmentVariable, "--control-token-file",
                out var controlTokenProblem);
            if ((tokenProblem ?? controlTokenProblem) is { } problem)
            {
                Console.Error.WriteLine($"error: {problem}");
                return ExitCodes.Usage;
            }
            var sizes = new Dictionary<string, long>();
            foreach (var (name, option) in new[] { ("--bandwidth", bandwidth), ("--connection-bandwidth", connectionBandwidth),
                ("--cut-after", cutAfter) })
            {
                var text = parse.GetValue(option)!;
                if (name == "--cut-after" && text.Trim() == "-1") { sizes[name] = -1; continue; }
                if (!ByteFormat.TryParseSize(text, out var value))
                {
                    Console.Error.WriteLine($"error: {name} '{text}' is not a size: {ByteFormat.SizeSyntax}");
                    return ExitCodes.Usage;
                }
                sizes[name] = value;
            }
            var faults = new FaultSettings
            {
                RateLimitRequests = parse.GetValue(rateLimit),
                RateLimitWindowSeconds = parse.GetValue(rateWindow),
                ServerErrorFraction = parse.GetValue(errorFraction),
                ServerErrorStatus = parse.GetValue(errorStatus),
                CutFraction = parse.GetValue(cutFraction),
                CutAfterBytes = sizes["--cut-after"],
                CorruptFraction = parse.GetValue(corruptFraction),
                LatencyMs = parse.GetValue(latency),
                BandwidthBytesPerSecond = sizes["--bandwidth"],
                ConnectionBytesPerSecond = sizes["--connection-bandwidth"],
                FilesOnly = parse.GetValue(filesOnly),
            };
            // Anonymous clients choose request targets and headers: escaped in every log line.
            using var loggerFactory = new EscapingLoggerFactory(LoggerFactory.Create(b => b
                .AddSimpleConsole(o => o.SingleLine = true)
                .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace)
                .SetMinimumLevel(parse.GetValue(verbose) ? LogLevel.Debug : LogLevel.Information)));
            var options = new HubServerOptions(parse.GetValue(dir)!.FullName)
            {
                Host = parse.GetValue(host)!,
                Port = parse.GetValue(port),
                Token = token,
                Control = parse.GetValue(control),
                ControlToken = controlToken,
                Limits = new HubLimits { MaxConnections = parse.GetValue(maxConnections) },
                Cdn = parse.GetValue(cdn),
                TreePageSize = parse.GetValue(pageSize),
                GatedRepos = new HashSet<string>(parse.GetValue(gated) ?? [], StringComparer.Ordinal),
                Seed = parse.GetValue(seed),
                Faults = faults,
                LoggerFactory = loggerFactory,
            };
            HubServer server;
            try
            {
                server = await HubServer.StartAsync(options, cancellationToken);
            }
            catch (HubStartException ex)
            {
                Console.Error.WriteLine($"error: {ex.Message}");
                return ExitCodes.Usage;
            }
            await using (server)
            {
                Console.Out.WriteLine($"listening on {server.BaseAddress.GetLeftPart(UriPartial.Authority)}");
                if (server.CdnAddress is { } cdnAddress) Console.Out.WriteLine($"cdn on {cdnAddress.GetLeftPart(UriPartial.Authority)}");
                Console.Out.Flush();
                try { await Task.Delay(Timeout.Infinite, cancellationToken); }
                catch (OperationCanceledException) { }
            }
            return ExitCodes.Success;
        });
        return new Command("hub", "An HF-compatible hub over a local folder (air-gapped mirror, test origin).") { serve };
    }

    internal static string? ReadToken(FileInfo? file, string environmentVariable, string flag, out string? problem)
    {
        problem = null;
        string? token;
        if (file is not null)
        {
            try { token = File.ReadAllText(file.FullName).Trim(); }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                problem = $"cannot read the token file '{file.FullName}': {ex.Message}";
                return null;
            }
            if (token.Length == 0) problem = $"the token file '{file.FullName}' is empty; put the token in it or drop {flag}.";
            return token;
        }
        token = Environment.GetEnvironmentVariable(environmentVariable)?.Trim();
        return string.IsNullOrEmpty(token) ? null : token;
    }
}
