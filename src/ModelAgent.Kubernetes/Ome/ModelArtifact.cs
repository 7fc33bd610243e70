using System.Text.Json.Serialization;

namespace ModelAgent.Kubernetes.Ome;

/// <summary>
/// <c>config.artifact</c>: which commit is on disk and how models on this node share it (downloadPolicy ReuseIfExists).
/// A model that downloaded its own files has <c>parentPath = {its own key: its path}</c>; a model that links to another's
/// files has the other's key and path; the owner lists the linked paths in <c>childrenPaths</c>. Go writes a nil map
/// or list as <c>null</c> and an empty one as <c>{}</c>/<c>[]</c>; both are kept apart here.
/// </summary>
internal sealed record ModelArtifact
{
    /// <summary>The commit of the files (OME: the repository's default-branch commit).</summary>
    [JsonPropertyName("sha"), JsonPropertyOrder(0)] public string Sha { get; init; } = "";

    [JsonPropertyName("parentPath"), JsonPropertyOrder(1)]
    [JsonConverter(typeof(GoMapConverter<string>))]
    public IReadOnlyDictionary<string, string>? ParentPath { get; init; }

    [JsonPropertyName("childrenPaths"), JsonPropertyOrder(2)] public IReadOnlyList<string>? ChildrenPaths { get; init; }
}
