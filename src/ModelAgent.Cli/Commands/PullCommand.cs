using System.CommandLine;
using Microsoft.Extensions.Logging;
using ModelAgent.Cli.Progress;
using ModelAgent.Coordination;
using ModelAgent.Pull;
using ModelAgent.Sources;
using ModelAgent.Sources.HuggingFace;
using ModelAgent.Sources.S3;
using ModelAgent.Storage;
using ModelAgent.Transfer;

namespace ModelAgent.Cli.Commands;

/// <summary>
/// <c>model-agent pull URI --dest DIR</c>: one model into one directory, verified, resumable, with the completion
/// record written last. Exit 0 complete; 1 transfer failed (network, rate limit, corrupt data: a rerun resumes);
/// 2 bad input or access (unknown repo/revision, gated, bad token, bad flags, another model in --dest, a --dest this user
/// cannot write, found before any request); 130 interrupted. Our own disk failing during the pull (full, read-only,
/// quota, I/O error) exits 1 with a JSON kind of its own (see <see cref="LocalStorageFailure"/>).
/// </summary>
internal static class PullCommand
{
    public static Command Create()
    {
        var uri = new Argument<string>("URI")
        {
            Description = "hf://org/name[@revision] (default revision main), s3://bucket[@region]/prefix, " +
                "oci://n/namespace/b/bucket/o/prefix, or local:///path to check a directory in place."
        };
        var dest = new Option<string?>("--dest") { Description = "The model directory to fill (created if missing)." };
        var endpoint = new Option<string?>("--endpoint") { Description = "Hub URL (default $HF_ENDPOINT, else https://huggingface.co)." };
        var tokenFile = new Option<string?>("--token-file") { Description = "File holding the Hub token (default: $HF_TOKEN)." };
        var include = new Option<string[]>("--include")
        {
            Description = "Only files matching this fnmatch pattern (repeatable; '*' crosses '/').",
            AllowMultipleArgumentsPerToken = false
        };
        var exclude = new Option<string[]>("--exclude")
        {
            Description = "Skip files matching this pattern (repeatable).",
            AllowMultipleArgumentsPerToken = false
        };
        var refresh = new Option<bool>("--refresh")
        {
            Description =
                "Resolve the revision again even when the model is complete; fetch only changed files, remove files no longer in it."
        };
        var repair = new Option<bool>("--repair")
        {
            Description =
                "Re-hash every file against the origin's listing (at the recorded commit unless --refresh) and fetch again only those " +
                "that differ or are missing.",
        };
        var json = new Option<bool>("--json") { Description = "Print one JSON event per line instead of progress." };
        var concurrency = new Option<int>("--concurrency")
        {
            Description = "Range requests in flight in total.",
            DefaultValueFactory = _ => 16
        };
        var perFile = new Option<int>("--connections-per-file")
        {
            Description = "Range requests in flight per file.",
            DefaultValueFactory = _ => 8
        };
        var chunkSize = new Option<string>("--chunk-size")
        {
            Description = "Bytes per range request (e.g. 32M).",
            DefaultValueFactory = _ => "32M"
        };
        var memoryBudget = new Option<string>("--memory-budget")
        {
            Description =
                "Bytes held for blocks that arrived ahead of their file's hashing order (e.g. 64M); more lets ranges run further ahead.",
            DefaultValueFactory = _ => "256M",
        };
        var writeMode = new Option<string>("--write-mode")
        {
            Description =
                "auto (direct to the device on node-local filesystems, page cache on shared ones), direct, or buffered (page cache).",
            DefaultValueFactory = _ => "auto",
        };
        var logLevel = new Option<string>("--log-level")
        {
            Description = "trace, debug, information, warning, error or none (logs go to stderr).",
            DefaultValueFactory = _ => "information"
        };
        var unreachable = new Option<double>("--unreachable-timeout")
        {
            Description =
                "Seconds the origin may stay unreachable (refused, DNS, no route), counted over all requests of the pull, before it fails.",
            DefaultValueFactory = _ => 30,
        };
        var idle = new Option<double>("--idle-timeout")
        {
            Description = "Seconds an origin may send nothing (no response headers, no body bytes) before the request is abandoned "
                + "and retried.",
            DefaultValueFactory = _ => HfClientOptions.DefaultIdleTimeout.TotalSeconds,
        };
        var s3Endpoint = new Option<string?>("--s3-endpoint")
        {
            Description = "S3-compatible endpoint URL for s3:// and oci:// (default $AWS_ENDPOINT_URL_S3, else AWS, or OCI's S3 " +
                "compatibility endpoint of the namespace and region); path-style addressing.",
        };
        var s3Region = new Option<string?>("--s3-region")
        {
            Description = "Region for s3:// and oci:// when the URI names none (default $AWS_REGION, $AWS_DEFAULT_REGION; for oci:// " +
                "$OCI_REGION first; us-east-1 with an endpoint).",
        };
        var coordination = new CoordinationOptions();
        var peers = new PeerPullOptions();

        var command = new Command("pull",
            "Download a model into a directory, verified and resumable; on shared storage, one node downloads and the others wait.")
        {
            uri, dest, endpoint, tokenFile, include, exclude, refresh, repair, json, concurrency, perFile, chunkSize, memoryBudget,
                writeMode, logLevel,
        };
        command.Options.Add(unreachable);
        command.Options.Add(idle);
        command.Options.Add(s3Endpoint);
        command.Options.Add(s3Region);
        coordination.AddTo(command);
        peers.AddTo(command);
        command.SetAction((parse, ct) => RunAsync(new PullArguments(
            parse.GetValue(uri)!, parse.GetValue(dest), parse.GetValue(endpoint), parse.GetValue(tokenFile),
            parse.GetValue(include) ?? [], parse.GetValue(exclude) ?? [], parse.GetValue(refresh), parse.GetValue(json),
            parse.GetValue(concurrency), parse.GetValue(perFile), parse.GetValue(chunkSize)!, parse.GetValue(memoryBudget)!,
                parse.GetValue(writeMode)!, parse.GetValue(logLevel)!)
        {
            Repair = parse.GetValue(repair), UnreachableSeconds = parse.GetValue(unreachable), IdleSeconds = parse.GetValue(idle),
            S3Endpoint = parse.GetValue(s3Endpoint), S3Region = parse.GetValue(s3Region), Peers = peers.Read(parse),
        }, coordination.Read(parse), ct));
        return command;
    }

    private sealed record PullArguments(string Uri, string? Dest, string? Endpoint, string? TokenFile, string[] Include, string[] Exclude,
        bool Refresh, bool Json, int Concurrency, int PerFile, string ChunkSize, string MemoryBudget, string WriteMode, string LogLevel)
    {
        public bool Repair { get; init; }
        public double UnreachableSeconds { get; init; } = 30;
        public double IdleSeconds { get; init; } = 30;
        public string? S3Endpoint { get; init; }
        public string? S3Region { get; init; }
        public (Peers.PeerSettings? Settings, string? Problem) Peers { get; init; }
    }

    private static async Task<int> RunAsync(PullArguments args, CoordinationArguments coordinationArgs, CancellationToken cancellationToken)
    {
        var time = TimeProvider.System;
        IProgressView view = args.Json ? new JsonProgressView(Console.Out, time, TimeSpan.FromSeconds(1))
            : Console.IsOutputRedirected ? new LineProgressView(Console.Out, time, TimeSpan.FromSeconds(5))
            : new TerminalProgressView(Console.Out, time);
        int Fail(int code, string kind, string message)
        {
            view.Error(message, kind);
            if (args.Json) Console.Error.WriteLine(DisplayName.Line($"error: {message}"));
            return code;
        }

        if (!CliLogging.TryParseLevel(args.LogLevel, out var level))
            return Fail(ExitCodes.Usage, "usage", $"--log-level '{args.LogLevel}' is not one of {string.Join(", ", CliLogging.Levels)}");
        if (!ByteFormat.TryParseSize(args.ChunkSize, out var chunkBytes) || chunkBytes < 64 * 1024)
            return Fail(ExitCodes.Usage, "usage",
                $"--chunk-size '{args.ChunkSize}' is not a size of at least 64K ({ByteFormat.SizeSyntax})");
        var blockBytes = new TransferOptions { ChunkSize = chunkBytes }.BlockSize;
        if (!ByteFormat.TryParseSize(args.MemoryBudget, out var budgetBytes) || budgetBytes < blockBytes)
            return Fail(ExitCodes.Usage, "usage",
                $"--memory-budget '{args.MemoryBudget}' is not a size of at least one block ({ByteFormat.Size(blockBytes)}; " +
                $"{ByteFormat.SizeSyntax})");
        if (!Enum.TryParse<DiskWriteMode>(args.WriteMode, ignoreCase: true, out var writeMode) || !Enum.IsDefined(writeMode)
            || int.TryParse(args.WriteMode, out _))
            return Fail(ExitCodes.Usage, "usage", $"--write-mode '{args.WriteMode}' is not one of auto, direct, buffered");
        if (args.Concurrency < 1 || args.PerFile < 1)
            return Fail(ExitCodes.Usage, "usage", "--concurrency and --connections-per-file must be at least 1");
        if (!StorageUri.TryParse(args.Uri, out var storage, out var uriError))
            return Fail(ExitCodes.Usage, "usage", uriError);

        if (!(args.UnreachableSeconds > 0))
            return Fail(ExitCodes.Usage, "usage", $"--unreachable-timeout {args.UnreachableSeconds} must be a positive number of seconds");
        if (!(args.IdleSeconds > 0) || args.IdleSeconds > 86_400)
            return Fail(ExitCodes.Usage, "usage",
                $"--idle-timeout {args.IdleSeconds} must be a number of seconds above 0 and at most 86400");
        if (!coordinationArgs.TryBuild(out var coordination, out var coordinationError))
            return Fail(ExitCodes.Usage, "usage", coordinationError);
        if (args.Peers.Problem is { } peersError) return Fail(ExitCodes.Usage, "usage", peersError);

        if (storage is HuggingFaceUri or S3Uri or OciUri && string.IsNullOrWhiteSpace(args.Dest))
            return Fail(ExitCodes.Usage, "usage", "--dest DIR is required: the directory the model goes into");

        using var loggers = CliLogging.Create(level);
        var logger = loggers.CreateLogger("ModelAgent.Pull");
        var settings = new PullServiceSettings(coordination)
        {
            Transfer = new TransferOptions
            {
                ChunkSize = chunkBytes, MaxConcurrentRequests = args.Concurrency, MaxRequestsPerFile = args.PerFile,
                MemoryBudget = budgetBytes, WriteMode = writeMode,
            },
            UnreachableTimeout = TimeSpan.FromSeconds(args.UnreachableSeconds), IdleTimeout = TimeSpan.FromSeconds(args.IdleSeconds),
            Environment = Resilience.AgentEnvironment.Default with { Time = time },
            Peers = args.Peers.Settings ?? Peers.PeerSettings.None,
        };
        // Only a pull from the Hub needs its endpoint and token: a bad HF_ENDPOINT does not stop a local:// check.
        if (storage is HuggingFaceUri)
        {
            if (!HfEnvironment.TryEndpoint(args.Endpoint, out var endpoint, out var endpointError))
                return Fail(ExitCodes.Usage, "usage", endpointError);
            if (!HfEnvironment.TryTokens(args.TokenFile, out var tokens, out var tokenError))
                return Fail(ExitCodes.Usage, "usage", tokenError);
            settings = settings with { Endpoint = endpoint, Tokens = tokens };
        }
        if (storage is S3Uri or OciUri)
        {
            try
            {
                settings = settings with
                {
                    S3 = S3ClientSettings.FromEnvironment(args.S3Endpoint, args.S3Region, Environment.GetEnvironmentVariable),
                };
            }
            catch (FormatException e) { return Fail(ExitCodes.Usage, "usage", e.Message); }
        }
        var request = new PullRequest(storage, args.Dest ?? (storage as LocalUri)?.Path ?? "")
        {
            Filter = new PathPatternFilter(args.Include, args.Exclude), Refresh = args.Refresh, Repair = args.Repair,
        };
        var destination = Path.GetFullPath(request.Destination.Length > 0 ? request.Destination : ".");
        using var service = new PullService(settings, logger);
        try
        {
            PullOutcome outcome;
            if (storage is LocalUri) outcome = await service.PullAsync(request, null, cancellationToken);
            else
            {
                var state = new ProgressState(time, view.Waiting);
                await using (new ProgressReporter(state, view, time, TimeSpan.FromMilliseconds(args.Json ? 500 : 250)))
                    outcome = await service.PullAsync(request, state, cancellationToken);
            }
            view.Complete(outcome, destination);
            return ExitCodes.Success;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning("Interrupted; partial files are kept in {Partial} for the next pull", PartialFile.DirectoryFor(destination));
            return Fail(ExitCodes.Interrupted, "interrupted", "interrupted; rerun the same command to resume");
        }
        catch (OriginException e)
        {
            logger.LogError("Pull of {Source} failed ({Kind}): {Reason}", storage, e.Kind, e.Message);
            var access = e.Kind is OriginFailureKind.RepositoryNotFound or OriginFailureKind.RevisionNotFound or OriginFailureKind.Gated
                or OriginFailureKind.Unauthorized or OriginFailureKind.Forbidden or OriginFailureKind.EntryNotFound;
            return Fail(access ? ExitCodes.Usage : ExitCodes.Incomplete, KindName(e.Kind), e.Message);
        }
        catch (PullRefusedException e)
        {
            // An incomplete local:// model is a model to fix, not a command to fix: exit 1, as an incomplete pull.
            return Fail(e.Kind == PullRefusedException.Incomplete ? ExitCodes.Incomplete : ExitCodes.Usage, e.Kind, e.Message);
        }
        catch (LocalStorageException e)
        {
            logger.LogError("Pull of {Source} stopped by our disk ({Kind}): {Reason}", storage, e.Failure.KindName(), e.Detail);
            var kept = PartialFile.AnyKept(destination);
            var resume = kept ? "; what was written is kept, rerun to resume" : "";
            return Fail(ExitCodes.Incomplete, e.Failure.KindName(), e.Message + resume);
        }
        catch (TransferFailedException e)
        {
            logger.LogError("Pull of {Source} failed: {Reason}", storage, e.Message);
            return Fail(ExitCodes.Incomplete, "transfer-failed", e.Message + "; partial files are kept, rerun to resume");
        }
        catch (UnsafeStateException e)
        {
            logger.LogError("Pull of {Source} refused: {Reason}", storage, e.Message);
            return Fail(ExitCodes.Usage, UnsafeStateException.Kind, e.Message);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            logger.LogError("Pull of {Source} stopped by a local I/O error: {Reason}", storage, e.Message);
            return Fail(ExitCodes.Usage, "io", $"{destination}: {e.Message}");
        }
    }

    private static string KindName(OriginFailureKind kind) => System.Text.Json.JsonNamingPolicy.KebabCaseLower.ConvertName(kind.ToString());
}
