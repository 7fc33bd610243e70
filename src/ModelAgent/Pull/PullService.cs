using Microsoft.Extensions.Logging;
using ModelAgent.Sources;
using ModelAgent.Storage;
using ModelAgent.Transfer;

namespace ModelAgent.Pull;

/// <summary>
/// The one pull pipeline of a process: source factory, destination check, coordination, transfer and record, for every
/// pull in flight. Built once per process: one HTTP connection pool and one <see cref="TransferMemory"/>, so the
/// memory budget bounds the process, not each pull. Thread-safe: pulls run concurrently on one instance.
/// </summary>
internal sealed class PullService : IPullService, IDisposable
{
    private readonly PullServiceSettings _settings;
    private readonly TransferOptions _transfer;
    private readonly ILogger _logger;
    private readonly SourceFactory _sources;
    private readonly Peers.PeerClient? _peers;
    private readonly Lock _gate = new();
    private int _inFlight;

    public PullService(PullServiceSettings settings, ILogger logger)
    {
        _settings = settings;
        _logger = logger;
        _transfer = settings.Transfer with { ReadTimeout = settings.IdleTimeout };
        _transfer.Validate();
        Memory = TransferMemory.ForProcess(_transfer);
        _sources = new SourceFactory(settings, logger);
        _peers = settings.Peers.Peers.Count > 0 ? new Peers.PeerClient(settings.Peers) : null;
    }

    /// <summary>The block pool and out-of-order budget every pull of this service draws on.</summary>
    public TransferMemory Memory { get; }

    public async Task<PullOutcome> PullAsync(PullRequest request, IPullProgress? progress, CancellationToken cancellationToken)
    {
        lock (_gate) _inFlight++;
        try { return await RunAsync(request, progress, cancellationToken); }
        finally
        {
            // The last pull out gives the blocks back: an agent with every model complete holds no transfer memory.
            lock (_gate)
                if (--_inFlight == 0) Memory.Blocks.Trim();
        }
    }

    private async Task<PullOutcome> RunAsync(PullRequest request, IPullProgress? progress, CancellationToken cancellationToken)
    {
        if (request.Uri is LocalUri local)
            return await new LocalModel(_settings.Time, _logger).CheckAsync(local, request, cancellationToken);
        var source = _sources.Create(request.Uri, request.Credentials, progress, request.S3);
        if (_peers is not null) source = new Peers.PeerSnapshotSource(source, _peers, _settings.Peers, _settings.Time, _logger);
        if (string.IsNullOrWhiteSpace(request.Destination))
            throw new PullRefusedException("--dest DIR is required: the directory the model goes into", PullRefusedException.Usage);
        // Our disk is checked before the origin is asked anything: its faults are ours to report, and cost no request.
        if (DestinationCheck.Check(request.Destination) is { } unusable) throw new PullRefusedException(unusable.Message, unusable.Kind);

        var destination = Path.GetFullPath(request.Destination);
        var counter = new LeaseProgressCounter(progress);
        var pull = new ModelPull(source, _transfer, _logger, counter, _settings.Time) { Memory = Memory, Probe = _settings.Probe };
        var coordinated = new CoordinatedPull(pull, source.Source, source.Revision, _settings.Coordination, _settings.Probe,
            _settings.Environment, _logger);
        var (outcome, _) = await coordinated.RunAsync(destination, request.Filter, request.Refresh, counter.Current, counter.Waiting,
            cancellationToken, request.Repair, counter.TookOver);
        return outcome;
    }

    public async Task<string?> ResolveCommitAsync(PullRequest request, CancellationToken cancellationToken) =>
        SourceFactory.Refusal(request.Uri) is null
            ? await _sources.Create(request.Uri, request.Credentials, s3: request.S3).ResolveCommitAsync(cancellationToken)
            : null;

    public void Dispose()
    {
        _sources.Dispose();
        _peers?.Dispose();
    }
}
