namespace ModelAgent.Kubernetes.Watch;

/// <summary>What happened to one object, from the consumer's point of view (what it was last told).</summary>
internal enum ChangeKind
{
    /// <summary>The consumer has not been told about this object before (or was told it was deleted).</summary>
    Added,
    Updated,
    /// <summary>The object is gone; <see cref="ResourceChange{T}.Object"/> is its last known state.</summary>
    Deleted,
}

/// <summary>One coalesced change: the newest state of the object under <paramref name="Key"/> (namespace/name, or name).</summary>
internal sealed record ResourceChange<T>(ChangeKind Kind, string Key, T Object);
