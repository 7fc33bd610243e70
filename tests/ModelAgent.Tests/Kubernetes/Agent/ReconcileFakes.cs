using System.Collections.Concurrent;
using ModelAgent.Completion;
using ModelAgent.Kubernetes.Agent;
using ModelAgent.Kubernetes.Agent.Credentials;
using ModelAgent.Kubernetes.Agent.Removal;
using ModelAgent.Kubernetes.Agent.Reuse;
using ModelAgent.Kubernetes.Ome;
using ModelAgent.Sources;
using ModelAgent.Pull;
using ModelAgent.Storage;

namespace ModelAgent.Tests.Kubernetes.Agent;

/// <summary>The desired state as a watch would hold it, set by the test.</summary>
internal sealed class InMemoryDesiredState : IDesiredState
{
    private readonly ConcurrentDictionary<ModelReference, ModelObservation> _models = new();

    public TargetNode? Node { get; set; }

    public ModelObservation? Find(ModelReference model) => _models.GetValueOrDefault(model);

    public IReadOnlyList<ModelObservation> Models() => [.. _models.Values];

    public void Forget(ModelReference model) => _models.TryRemove(model, out _);

    public void Set(OmeModel model, bool gone = false) => _models[model.Reference] = new ModelObservation(model, gone);
}

/// <summary>
/// Stands in for the pull service: the completion record answers as the real one does (no origin request); otherwise
/// <see cref="Download"/> runs (the test's script for the origin) and the fake writes the files and the record.
/// </summary>
internal sealed class FakePullService : IPullService
{
    public const string Commit = "0123456789abcdef0123456789abcdef01234567";

    private int _downloads;
    private int _pulls;
    private int _commitRequests;

    /// <summary>What the origin does on a download, before the files are written; may throw, report progress, or wait.</summary>
    public Func<PullRequest, IPullProgress?, CancellationToken, Task> Download { get; set; } = (_, _, _) => Task.CompletedTask;

    public int Pulls => _pulls;
    /// <summary>Pulls the record did not answer: each would have asked the origin.</summary>
    public int Downloads => _downloads;
    public int CommitRequests => _commitRequests;
    public ConcurrentQueue<PullRequest> Requests { get; } = new();

    public async Task<PullOutcome> PullAsync(PullRequest request, IPullProgress? progress, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _pulls);
        Requests.Enqueue(request);
        var complete = CompletionRecordStore.Read(request.Destination).Record is { } record && record.Source == request.Uri.Original
            && RecordCheck.Compare(request.Destination, record).Count == 0;
        if (complete) return new PullOutcome(PullResult.AlreadyComplete, request.Uri.Original, Commit, null, 0, 2, 0, 0);
        Interlocked.Increment(ref _downloads);
        await Download(request, progress, cancellationToken);
        await WriteModelAsync(request.Destination, request.Uri.Original, cancellationToken);
        return new PullOutcome(PullResult.Updated, request.Uri.Original, Commit, null, 2, 0, 0, 0);
    }

    public Task<string?> ResolveCommitAsync(PullRequest request, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _commitRequests);
        return Task.FromResult<string?>(Commit);
    }

    /// <summary>A small llama model and its completion record, as a finished pull leaves them.</summary>
    public static async Task WriteModelAsync(string destination, string source, CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(destination);
        const string config = """{"model_type":"llama","architectures":["LlamaForCausalLM"],"max_position_embeddings":4096}""";
        await File.WriteAllTextAsync(Path.Combine(destination, "config.json"), config, cancellationToken);
        await File.WriteAllBytesAsync(Path.Combine(destination, "weights.bin"), new byte[100], cancellationToken);
        await CompletionRecordStore.WriteAsync(destination, new CompletionRecord
        {
            FormatVersion = CompletionRecord.CurrentFormatVersion,
            Source = source,
            Revision = Commit,
            Files = [new RecordedFile("config.json", config.Length, null), new RecordedFile("weights.bin", 100, null)],
            WrittenBy = new RecordWriter("fake pull", "test", DateTimeOffset.UnixEpoch),
        }, cancellationToken);
    }
}

/// <summary>Stand-ins for the parts built elsewhere (credentials, entry config, back-fill, reuse, removal).</summary>
internal sealed class FakeParts
{
    public ConcurrentQueue<string> Removed { get; } = new();
    public int Backfills;

    /// <summary>Secrets that exist: name to token. A model whose spec.storage.key names another fails as the real one does.</summary>
    public Dictionary<string, string> Secrets { get; } = new(StringComparer.Ordinal);

    /// <summary>ArtifactReuse.TryLink's stand-in: (source, commit, destination, candidates) to a decision.</summary>
    public Func<string, string, string, IReadOnlyList<ReuseCandidate>, ReuseDecision> TryLink { get; set; } =
        (_, _, _, _) => new ReuseDecision.NotReused("no candidate");

    public ReconcilerParts Build() => new(
        (model, _) => Task.FromResult(Credentials(model)),
        (metadata, artifact) => new ModelEntryConfig
        {
            ModelType = metadata?.ModelType,
            ModelArchitecture = metadata?.ModelArchitecture,
            MaxTokens = metadata?.ContextLength ?? 0,
            Artifact = artifact,
        },
        (_, _, _) =>
        {
            Interlocked.Increment(ref Backfills);
            return Task.FromResult(false);
        },
        (source, commit, destination, candidates) => TryLink(source, commit, destination, candidates),
        (path, candidates) => [.. candidates.Where(c => new FileInfo(c.Path).LinkTarget is { } target
            && Path.GetFullPath(target, Path.GetDirectoryName(c.Path)!) == Path.GetFullPath(path))],
        (path, _) =>
        {
            Removed.Enqueue(path);
            if (new FileInfo(path).LinkTarget is not null) File.Delete(path);
            else if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
            else return new RemovalVerdict.Kept("nothing there");
            return new RemovalVerdict.Removed(path);
        });

    private CredentialResolution Credentials(OmeModel model)
    {
        if (model.Spec.Storage?.Key is not { Length: > 0 } secret) return new CredentialResolution.Anonymous();
        var ns = model.Metadata.NamespaceProperty ?? "ome";
        return Secrets.TryGetValue(secret, out var token)
            ? new CredentialResolution.Found(new OriginCredentials.HfToken(token), $"Secret {ns}/{secret}")
            : new CredentialResolution.Failed($"Secret {ns}/{secret} not found; create it with the Hugging Face token under key token");
    }
}
