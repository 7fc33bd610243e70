using ModelAgent.Completion;
using ModelAgent.Sources;
using ModelAgent.Storage;

namespace ModelAgent.Peers;

/// <summary>
/// What this process may serve to peers (docs/peers.md §1): the files of complete models as their completion records list
/// them, and the files a pull in progress has verified and put in place. Nothing else on the disk is ever reachable
/// through it: the endpoint looks a request up here, by (source, revision, path), and opens only what it finds.
/// Names come from records on disk, which whoever writes the share could have edited: each must pass the untrusted-name
/// rule and carry a digest, else it is left out (and the model is not offered as complete). Thread-safe.
/// </summary>
internal sealed class PeerCatalog
{
    private readonly object _gate = new();
    private readonly Dictionary<PeerModelKey, Held> _models = [];

    private sealed record Held(string Directory, bool Complete, Dictionary<string, PeerFile> Files);

    /// <summary>Offers every file of a complete model. Returns why it cannot be offered, or null.</summary>
    public string? AddComplete(string modelDirectory, CompletionRecord record)
    {
        if (record.Adopted || record.Revision is null)
            return $"{modelDirectory} was adopted from another tool: its files have no origin digest to check them against";
        var files = new Dictionary<string, PeerFile>(StringComparer.Ordinal);
        var skipped = 0;
        foreach (var file in record.Files)
        {
            if (Servable(file.Path, file.Size, file.Digest) is { } servable) files[servable.Path] = servable;
            else skipped++;
        }
        var key = new PeerModelKey(record.Source, record.Revision);
        lock (_gate)
        {
            ForgetOthers(modelDirectory, key);
            _models[key] = new Held(Path.GetFullPath(modelDirectory), skipped == 0 && files.Count > 0, files);
        }
        return skipped == 0 ? null : $"{skipped} file(s) of {modelDirectory} have an unsafe name or no digest and are not offered";
    }

    /// <summary>
    /// Reads the completion record of <paramref name="modelDirectory"/> and offers the model when every file it lists is
    /// present with its size. Returns why it is not offered (or offered in part), or null.
    /// </summary>
    public string? AddFromDisk(string modelDirectory)
    {
        var read = CompletionRecordStore.Read(modelDirectory);
        if (read.Record is not { } record)
            return read.Problem is { } problem ? $"{modelDirectory}: {problem}" : $"{modelDirectory} has no completion record";
        var reasons = RecordCheck.Compare(modelDirectory, record);
        if (reasons.Count > 0) return $"{modelDirectory} does not match its completion record: {string.Join("; ", reasons)}";
        return AddComplete(modelDirectory, record);
    }

    /// <summary>
    /// A pull of <paramref name="key"/> into <paramref name="modelDirectory"/> starts: whatever the directory was offered as
    /// before is withdrawn (its files are about to change), and files are offered as the engine verifies them.
    /// </summary>
    public void BeginPull(string modelDirectory, PeerModelKey key)
    {
        lock (_gate)
        {
            ForgetOthers(modelDirectory, key);
            if (_models.TryGetValue(key, out var held) && !held.Complete) return;
            _models[key] = new Held(Path.GetFullPath(modelDirectory), false, new Dictionary<string, PeerFile>(StringComparer.Ordinal));
        }
    }

    /// <summary>The engine verified <paramref name="file"/> against the origin's digest and renamed it into place.</summary>
    public void AddVerified(string modelDirectory, PeerModelKey key, SnapshotFile file)
    {
        if (file.DigestComputed || Servable(file.Path.Value, file.Size, file.Digest.ToString()) is not { } servable) return;
        lock (_gate)
        {
            if (!_models.TryGetValue(key, out var held) || held.Directory != Path.GetFullPath(modelDirectory))
            {
                ForgetOthers(modelDirectory, key);
                held = new Held(Path.GetFullPath(modelDirectory), false, new Dictionary<string, PeerFile>(StringComparer.Ordinal));
                _models[key] = held;
            }
            held.Files[servable.Path] = servable;
        }
    }

    /// <summary>Withdraws everything offered from <paramref name="modelDirectory"/> (the model was deleted or moved).</summary>
    public void Forget(string modelDirectory)
    {
        lock (_gate) ForgetOthers(modelDirectory, null);
    }

    /// <summary>What is offered of (source, revision) now; null when nothing.</summary>
    public PeerModel? Find(PeerModelKey key)
    {
        lock (_gate)
        {
            if (!_models.TryGetValue(key, out var held)) return null;
            var files = held.Files.Values.OrderBy(f => f.Path, StringComparer.Ordinal).ToList();
            return new PeerModel(key.Source, key.Revision, held.Complete, files);
        }
    }

    /// <summary>The catalog entry for one file, or null: the only way the endpoint reaches a file.</summary>
    public ServableFile? Resolve(PeerModelKey key, string path)
    {
        lock (_gate)
        {
            return _models.TryGetValue(key, out var held) && held.Files.TryGetValue(path, out var file)
                ? new ServableFile(held.Directory, file)
                : null;
        }
    }

    private void ForgetOthers(string modelDirectory, PeerModelKey? keep)
    {
        var full = Path.GetFullPath(modelDirectory);
        foreach (var (key, held) in _models.ToList())
            if (held.Directory == full && key != keep) _models.Remove(key);
    }

    private static PeerFile? Servable(string path, long size, string? digest)
    {
        if (!ModelRelativePath.TryCreate(path, out var name, out _) || name!.ReservedProblem() is not null) return null;
        if (size < 0 || !FileDigest.TryParse(digest, out var parsed)) return null;
        return new PeerFile(name.Value, size, parsed.ToString());
    }
}
