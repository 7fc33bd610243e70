using System.Collections.Concurrent;
using ModelAgent.Kubernetes.Agent.Signals;
using ModelAgent.Kubernetes.Ome;
using ModelAgent.Pull;
using Prometheus;

namespace ModelAgent.Kubernetes.Agent.Metrics;

/// <summary>
/// The agent's Prometheus metrics, kept from the reconciler's signals on the process's own registry (never the static
/// default one, so several agents can live in one test process). OME's <c>model_agent_*</c> names and labels come first,
/// so its dashboards keep working; ours follow: per-model gauges, origin bytes by source, skips, lease waits, takeovers,
/// the record-to-Ready lag and the free space of the models root. A removed model's gauges go with it; its counters stay,
/// as counters of a finished thing do.
/// </summary>
internal sealed class AgentMetrics : IModelSignals
{
    private static readonly string[] Phases = [ModelPhase.Updating, ModelPhase.Ready, ModelPhase.Failed];

    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<ModelReference, ModelTrack> _tracks = new();

    private readonly Counter _succeeded;
    private readonly Counter _failed;
    private readonly Counter _verifications;
    private readonly Counter _digestMismatches;
    private readonly Counter _rateLimited;
    private readonly Histogram _downloadDuration;
    private readonly Histogram _verificationDuration;
    private readonly Counter _downloadBytes;
    private readonly Histogram _rateLimitWait;

    private readonly Gauge _phase;
    private readonly Gauge _bytesDone;
    private readonly Gauge _bytesTotal;
    private readonly Gauge _bytesPerSecond;
    private readonly Counter _originBytes;
    private readonly Counter _alreadyComplete;
    private readonly Counter _leaseWaits;
    private readonly Histogram _leaseWaitDuration;
    private readonly Counter _takeovers;
    private readonly Histogram _recordToReady;
    private readonly Gauge _freeBytes;

    public AgentMetrics(CollectorRegistry registry, string modelsRoot, TimeProvider time)
    {
        _time = time;
        var factory = Prometheus.Metrics.WithCustomRegistry(registry);
        var model = ModelSeriesLabels.Names;
        Counter ModelCounter(string name, string help) => factory.CreateCounter(name, help, model);
        Histogram Durations(string name, string help, params string[] labels) => factory.CreateHistogram(name, help,
            new HistogramConfiguration { Buckets = MetricBuckets.Durations(), LabelNames = labels });

        _succeeded = ModelCounter("model_agent_downloads_success_total", "Pulls that brought a model to this node's disk");
        _failed = ModelCounter("model_agent_downloads_failed_total", "Models reported Failed on this node");
        _verifications = factory.CreateCounter("model_agent_verifications_total",
            "Content checks: a completion record that answered, a pull whose files all matched their digests (success), " +
            "a file that did not (failure)", [.. model, "result"]);
        _digestMismatches = ModelCounter("model_agent_md5_checksum_failed_total",
            "Downloaded files whose content did not match the listed digest (fetched again)");
        _rateLimited = ModelCounter("model_agent_rate_limit_total", "HTTP 429 answers from the origin");
        _downloadDuration = Durations("model_agent_download_duration_seconds", "How long a pull that moved bytes took", model);
        _verificationDuration = Durations("model_agent_verification_duration_seconds",
            "How long the completion check of a model already complete took");
        _downloadBytes = ModelCounter("model_agent_download_bytes_total", "Bytes this node fetched from the origin");
        _rateLimitWait = factory.CreateHistogram("model_agent_rate_limit_wait_seconds",
            "The waits HTTP 429 answers cost, as waited", new HistogramConfiguration
            {
                Buckets = MetricBuckets.RateLimitWaits(),
                LabelNames = model,
            });

        _phase = factory.CreateGauge("model_agent_model_phase", "1 for the phase this node reports for the model, else 0",
            [.. model, "phase"]);
        _bytesDone = factory.CreateGauge("model_agent_model_bytes_done", "Bytes of the model in place during a pull", model);
        _bytesTotal = factory.CreateGauge("model_agent_model_bytes_total", "Bytes of the model", model);
        _bytesPerSecond = factory.CreateGauge("model_agent_model_bytes_per_second", "Pull rate over the last second", model);
        _originBytes = factory.CreateCounter("model_agent_origin_bytes_total",
            "Bytes fetched from origins, by storage URI scheme (hf, local, ...)", "source");
        _alreadyComplete = ModelCounter("model_agent_already_complete_total",
            "Pulls the completion record answered without a request");
        _leaseWaits = ModelCounter("model_agent_lease_waits_total", "Waits on another node's download lease");
        _leaseWaitDuration = Durations("model_agent_lease_wait_duration_seconds",
            "How long a wait on another node's lease lasted (until the model completed, the lease was taken over, or the " +
            "pull ended)");
        _takeovers = ModelCounter("model_agent_takeovers_total", "Download leases taken over from a node that stopped renewing");
        _recordToReady = Durations("model_agent_record_to_ready_seconds",
            "From the completion record's writing to this node reporting the model Ready, after a pull in this process");
        _freeBytes = factory.CreateGauge("model_agent_models_root_free_bytes", "Free bytes on the models root's filesystem");
        registry.AddBeforeCollectCallback(() => _freeBytes.Set(FreeBytes(modelsRoot)));
    }

    public void Raise(ModelReference model, ModelSignal signal)
    {
        var labels = ModelSeriesLabels.Of(model);
        var track = _tracks.GetOrAdd(model, _ => new ModelTrack());
        lock (track)
        {
            switch (signal)
            {
                case ModelSignal.Downloading downloading:
                    EndWait(track);
                    track.Scheme = Scheme(downloading.Source);
                    track.BytesPresent = downloading.BytesPresent;
                    SetPhase(labels, ModelPhase.Updating);
                    _bytesTotal.WithLabels(labels).Set(downloading.BytesTotal);
                    _bytesDone.WithLabels(labels).Set(downloading.BytesPresent);
                    break;
                case ModelSignal.WaitingForNode:
                    if (track.WaitStarted is null)
                    {
                        track.WaitStarted = _time.GetTimestamp();
                        _leaseWaits.WithLabels(labels).Inc();
                    }
                    SetPhase(labels, ModelPhase.Updating);
                    break;
                case ModelSignal.TookOver:
                    EndWait(track);
                    _takeovers.WithLabels(labels).Inc();
                    break;
                case ModelSignal.RateLimited limited:
                    _rateLimited.WithLabels(labels).Inc();
                    _rateLimitWait.WithLabels(labels).Observe(limited.Wait.TotalSeconds);
                    break;
                case ModelSignal.DigestMismatch:
                    _digestMismatches.WithLabels(labels).Inc();
                    _verifications.WithLabels([.. labels, "failure"]).Inc();
                    break;
                case ModelSignal.Progress progress:
                    SetPhase(labels, ModelPhase.Updating);
                    _bytesDone.WithLabels(labels).Set(progress.BytesDone);
                    _bytesTotal.WithLabels(labels).Set(progress.BytesTotal);
                    _bytesPerSecond.WithLabels(labels).Set(progress.BytesPerSecond);
                    break;
                case ModelSignal.Downloaded downloaded:
                    Downloaded(labels, track, downloaded);
                    break;
                case ModelSignal.Ready ready:
                    SetPhase(labels, ModelPhase.Ready);
                    _bytesPerSecond.WithLabels(labels).Set(0);
                    // Only after a pull in this process: a restart's Ready would measure the agent's downtime instead.
                    if (track.Pulled && ready.RecordWrittenAt is { } written)
                        _recordToReady.Observe(Math.Max(0, (_time.GetUtcNow() - written).TotalSeconds));
                    track.Pulled = false;
                    break;
                case ModelSignal.Failed:
                    EndWait(track);
                    _failed.WithLabels(labels).Inc();
                    SetPhase(labels, ModelPhase.Failed);
                    _bytesPerSecond.WithLabels(labels).Set(0);
                    break;
                case ModelSignal.Removed:
                    EndWait(track);
                    Forget(model, labels);
                    break;
            }
        }
    }

    private void Downloaded(string[] labels, ModelTrack track, ModelSignal.Downloaded downloaded)
    {
        EndWait(track);
        if (downloaded.Result == PullResult.AlreadyComplete)
        {
            _alreadyComplete.WithLabels(labels).Inc();
            _verifications.WithLabels([.. labels, "success"]).Inc();
            _verificationDuration.Observe(downloaded.Duration.TotalSeconds);
            return;
        }
        track.Pulled = true;
        _succeeded.WithLabels(labels).Inc();
        _verifications.WithLabels([.. labels, "success"]).Inc();
        if (downloaded.Result != PullResult.Updated || downloaded.FilesTransferred == 0) return;
        _downloadDuration.WithLabels(labels).Observe(downloaded.Duration.TotalSeconds);
        // What was on disk when the transfer began (resumed partial files) did not come from the origin now.
        var fetched = Math.Max(0, downloaded.BytesTotal - track.BytesPresent);
        _downloadBytes.WithLabels(labels).Inc(fetched);
        _originBytes.WithLabels(track.Scheme ?? Scheme(downloaded.Source)).Inc(fetched);
        _bytesDone.WithLabels(labels).Set(downloaded.BytesTotal);
        _bytesTotal.WithLabels(labels).Set(downloaded.BytesTotal);
        track.BytesPresent = 0;
    }

    private void EndWait(ModelTrack track)
    {
        if (track.WaitStarted is not { } started) return;
        track.WaitStarted = null;
        _leaseWaitDuration.Observe(_time.GetElapsedTime(started).TotalSeconds);
    }

    private void SetPhase(string[] labels, string phase)
    {
        foreach (var each in Phases) _phase.WithLabels([.. labels, each]).Set(each == phase ? 1 : 0);
    }

    private void Forget(ModelReference model, string[] labels)
    {
        foreach (var each in Phases) _phase.RemoveLabelled([.. labels, each]);
        _bytesDone.RemoveLabelled(labels);
        _bytesTotal.RemoveLabelled(labels);
        _bytesPerSecond.RemoveLabelled(labels);
        _tracks.TryRemove(model, out _);
    }

    /// <summary>The storage URI's scheme (<c>hf</c> for <c>hf://org/m</c>); a source without one is a Hub repository.</summary>
    internal static string Scheme(string source)
    {
        var at = source.IndexOf("://", StringComparison.Ordinal);
        return at > 0 ? source[..at].ToLowerInvariant() : "hf";
    }

    private static double FreeBytes(string root)
    {
        try { return new DriveInfo(root).AvailableFreeSpace; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            // A missing or unreadable root has no free space to tell; /healthz says what is wrong with it.
            return double.NaN;
        }
    }

    /// <summary>What the metrics remember of one model between its signals.</summary>
    private sealed class ModelTrack
    {
        public string? Scheme { get; set; }
        public long BytesPresent { get; set; }
        public long? WaitStarted { get; set; }
        public bool Pulled { get; set; }
    }
}
