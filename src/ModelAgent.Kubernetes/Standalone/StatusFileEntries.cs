using Microsoft.Extensions.Logging;
using ModelAgent.Kubernetes.Agent;
using ModelAgent.Kubernetes.Ome;
using ModelAgent.Kubernetes.Reporting;
using ModelAgent.Storage;

namespace ModelAgent.Kubernetes.Standalone;

/// <summary>
/// This node's entries without Kubernetes: <c>&lt;models-root&gt;/.model-agent/status/&lt;node&gt;.json</c>
/// (<see cref="NodeStatusFile"/>). Every write reads the file, applies one change and replaces the file whole (temporary
/// file, fsync, rename), so a reader never sees half a file. The folders below the models root are opened without
/// following links (<see cref="StateDirectory"/>): a link planted as <c>.model-agent/</c> or <c>status/</c> is refused.
/// This process is the file's only writer; its writes are serialized here. A file that cannot be read is replaced by the
/// next write (it was ours, and its content is rebuilt by the reconciles), with a warning.
/// </summary>
internal sealed class StatusFileEntries(string modelsRoot, string node, TimeProvider time, ILogger<StatusFileEntries> logger)
    : IModelEntries
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly string _fileName = NodeStatusFile.FileName(node);

    public string Place => $"status file {Path.Combine(NodeStatusFile.DirectoryFor(modelsRoot), _fileName)}";

    public Task<WriteVerdict> SetAsync(
        ModelReference model, Func<ModelConfigMapEntry?, ModelConfigMapEntry> next, CancellationToken cancellationToken) =>
        ChangeAsync(model, stored => next(stored), cancellationToken);

    public Task<WriteVerdict> RemoveAsync(ModelReference model, CancellationToken cancellationToken) =>
        ChangeAsync(model, _ => null, cancellationToken);

    public async Task<ReportedEntries> ReadAllAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var entries = Read(create: false);
            return new ReportedEntries(entries.ToDictionary(e => e.Key, e => (ModelConfigMapEntry?)e.Value, StringComparer.Ordinal));
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>This node's entries as the file holds them now (empty when there is none); for the start-up view of labels.</summary>
    public IReadOnlyDictionary<string, ModelConfigMapEntry> ReadNow() => Read(create: false);

    private async Task<WriteVerdict> ChangeAsync(
        ModelReference model, Func<ModelConfigMapEntry?, ModelConfigMapEntry?> change, CancellationToken cancellationToken)
    {
        var key = ModelConfigMapKey.For(model);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var entries = new Dictionary<string, ModelConfigMapEntry>(Read(create: true), StringComparer.Ordinal);
            var stored = entries.GetValueOrDefault(key);
            var next = change(stored);
            if (next is null ? stored is null : stored is not null && stored.ToJson() == next.ToJson())
            {
                logger.LogDebug("{Place} key {Key} already as desired: not written", Place, key);
                return WriteVerdict.Unchanged;
            }
            if (next is null) entries.Remove(key);
            else entries[key] = next;
            await WriteAsync(new NodeStatusFile(node, time.GetUtcNow(), entries), cancellationToken);
            logger.LogInformation("{Place} key {Key} {Action}", Place, key, next is null ? "removed" : "written");
            return WriteVerdict.Written;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or UnsafeStateException)
        {
            var reason = $"{Place} key {key} not written: {e.Message}; check that the models root is writable by the agent";
            logger.LogWarning("Failed: {Reason}", reason);
            return new WriteVerdict(WriteOutcome.Failed, reason);
        }
        finally
        {
            _gate.Release();
        }
    }

    private IReadOnlyDictionary<string, ModelConfigMapEntry> Read(bool create)
    {
        using var dir = StateDirectory.Open(modelsRoot, NodeStatusFile.DirectoryParts, create);
        if (dir?.Entry(_fileName) is not { } entry) return new Dictionary<string, ModelConfigMapEntry>();
        if (entry.Size > NodeStatusFile.MaxBytes)
        {
            logger.LogWarning("{Place} is larger than {Max} bytes: not read, will be replaced", Place, NodeStatusFile.MaxBytes);
            return new Dictionary<string, ModelConfigMapEntry>();
        }
        var bytes = dir.ReadAll(_fileName);
        if (bytes is null) return new Dictionary<string, ModelConfigMapEntry>();
        if (NodeStatusFile.TryParse(bytes, out var file, out var error)) return file.Entries;
        logger.LogWarning("{Place} is unreadable ({Error}): it will be replaced by the next write", Place, error);
        return new Dictionary<string, ModelConfigMapEntry>();
    }

    private async Task WriteAsync(NodeStatusFile file, CancellationToken cancellationToken)
    {
        using var dir = StateDirectory.Open(modelsRoot, NodeStatusFile.DirectoryParts, create: true)!;
        var temp = $"{_fileName}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        try
        {
            await using (var stream = new FileStream(dir.CreateNew(temp), FileAccess.Write, 4096))
            {
                await stream.WriteAsync(file.ToJson(), cancellationToken);
                await stream.FlushAsync(cancellationToken);
                stream.Flush(flushToDisk: true);
            }
            dir.Rename(temp, _fileName);
            dir.Flush();
        }
        catch
        {
            dir.Delete(temp);
            throw;
        }
    }
}
