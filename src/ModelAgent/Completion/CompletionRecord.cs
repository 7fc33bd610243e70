using System.Text.Json.Serialization;

namespace ModelAgent.Completion;

/// <summary>
/// The completion record, <c>&lt;dest&gt;/.model-agent/manifest.json</c>: written last, atomically, once every
/// listed file is in place and verified. Its presence with matching sizes is what "complete" means.
/// The format is stable and versioned; docs/completion-record.md is its specification.
/// </summary>
internal sealed record CompletionRecord
{
    public const int CurrentFormatVersion = 1;

    [JsonPropertyName("formatVersion")] public required int FormatVersion { get; init; }
    /// <summary>The storage URI the files came from ("hf://org/name@main"), or the directory for an adopted model.</summary>
    [JsonPropertyName("source")] public required string Source { get; init; }
    /// <summary>The pinned revision (HF commit sha, S3 listing id); null when adopted.</summary>
    [JsonPropertyName("revision")] public string? Revision { get; init; }
    [JsonPropertyName("files")] public required IReadOnlyList<RecordedFile> Files { get; init; }
    [JsonPropertyName("writtenBy")] public required RecordWriter WrittenBy { get; init; }
    /// <summary>True when the directory was written by another tool and accepted by the layout rules.</summary>
    [JsonPropertyName("adopted")] public bool Adopted { get; init; }
    /// <summary>The --include patterns the files were selected with; null when all files were taken.</summary>
    [JsonPropertyName("include")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? Include { get; init; }
    /// <summary>The --exclude patterns the files were selected with; null when none.</summary>
    [JsonPropertyName("exclude")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? Exclude { get; init; }
    /// <summary>The layout the files form ("sharded", "diffusers", "single-file", ...), informational.</summary>
    [JsonPropertyName("layout")] public string? Layout { get; init; }
}

/// <summary>One file of a complete model. <see cref="Digest"/> is "algorithm:hex" or null when unknown (adopted).</summary>
internal sealed record RecordedFile(
    [property: JsonPropertyName("path")] string Path,
    [property: JsonPropertyName("size")] long Size,
    [property: JsonPropertyName("digest")] string? Digest);

/// <summary>Who wrote the record, for people reading it at 3 a.m.</summary>
internal sealed record RecordWriter(
    [property: JsonPropertyName("tool")] string Tool,
    [property: JsonPropertyName("node")] string Node,
    [property: JsonPropertyName("at")] DateTimeOffset At);
