using System.Text.Json.Serialization;

namespace ModelAgent.Peers;

/// <summary>One file a peer can serve now: its path in the model, its size and the origin's digest ("algorithm:hex").</summary>
internal sealed record PeerFile(
    [property: JsonPropertyName("path")] string Path,
    [property: JsonPropertyName("size")] long Size,
    [property: JsonPropertyName("digest")] string Digest);
