namespace ModelAgent.Peers;

/// <summary>
/// How peers name a model: the storage URI as the completion record's <c>source</c> says it, and the revision its files
/// were listed at. Both must match: a peer never serves one revision's bytes for another.
/// </summary>
internal readonly record struct PeerModelKey(string Source, string Revision);
