using System.Text.Json.Serialization;

namespace ModelAgent.Sources.HuggingFace;

/// <summary>One entry of <c>GET /api/models/{repo}/tree/{rev}?recursive=true</c>; only the fields we use.</summary>
internal sealed record HfTreeEntry
{
    [JsonPropertyName("type")] public string? Type { get; init; }
    [JsonPropertyName("path")] public string? Path { get; init; }
    [JsonPropertyName("size")] public long? Size { get; init; }
    /// <summary>Git blob sha1 for files (tree sha1 for directories).</summary>
    [JsonPropertyName("oid")] public string? Oid { get; init; }
    [JsonPropertyName("lfs")] public HfLfsPointer? Lfs { get; init; }
}

/// <summary>The LFS part of a tree entry: <c>oid</c> is the sha256 of the content, <c>size</c> its real size.</summary>
internal sealed record HfLfsPointer
{
    [JsonPropertyName("oid")] public string? Oid { get; init; }
    [JsonPropertyName("size")] public long? Size { get; init; }
}

/// <summary>The part of <c>GET /api/models/{repo}/revision/{rev}</c> that pins the revision.</summary>
internal sealed record HfRevisionInfo
{
    [JsonPropertyName("sha")] public string? Sha { get; init; }
}
