using ModelAgent.Kubernetes.Agent;
using ModelAgent.Kubernetes.Ome;

namespace ModelAgent.Kubernetes.Reporting;

/// <summary>
/// Where this node's model entries live: its ConfigMap (<see cref="ConfigMapEntryWriter"/>) or, without Kubernetes, its
/// status file (<see cref="Standalone.StatusFileEntries"/>). Writes of one key must not overlap (a model's work is serial).
/// </summary>
internal interface IModelEntries
{
    /// <summary>Stores what <paramref name="next"/> makes of the stored entry (null when none or unreadable).</summary>
    Task<WriteVerdict> SetAsync(
        ModelReference model, Func<ModelConfigMapEntry?, ModelConfigMapEntry> next, CancellationToken cancellationToken);

    Task<WriteVerdict> RemoveAsync(ModelReference model, CancellationToken cancellationToken);

    /// <summary>Every entry; an exception (IOException, an API failure) when they cannot be read.</summary>
    Task<ReportedEntries> ReadAllAsync(CancellationToken cancellationToken);

    /// <summary>Where the entries are, for messages ("ConfigMap ome/node-1", "status file /mnt/models/...").</summary>
    string Place { get; }
}
