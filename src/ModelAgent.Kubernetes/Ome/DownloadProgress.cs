using System.Globalization;
using System.Text.Json.Serialization;

namespace ModelAgent.Kubernetes.Ome;

/// <summary><c>progress</c> of a ConfigMap entry (OME's <c>DownloadProgress</c>); every field is always written.</summary>
internal sealed record DownloadProgress
{
    public const string Scanning = "scanning";
    public const string Downloading = "downloading";
    public const string Finalizing = "finalizing";

    /// <summary><see cref="Scanning"/>, <see cref="Downloading"/> or <see cref="Finalizing"/>.</summary>
    [JsonPropertyName("phase"), JsonPropertyOrder(0)] public required string Phase { get; init; }
    [JsonPropertyName("totalBytes"), JsonPropertyOrder(1)] public ulong TotalBytes { get; init; }
    [JsonPropertyName("completedBytes"), JsonPropertyOrder(2)] public ulong CompletedBytes { get; init; }
    [JsonPropertyName("totalFiles"), JsonPropertyOrder(3)] public uint TotalFiles { get; init; }
    [JsonPropertyName("completedFiles"), JsonPropertyOrder(4)] public uint CompletedFiles { get; init; }
    [JsonPropertyName("speedBytesPerSec"), JsonPropertyOrder(5)] public double SpeedBytesPerSec { get; init; }

    /// <summary>RFC 3339 with seconds, as Go's <c>time.RFC3339</c> writes it; see <see cref="Timestamp"/>.</summary>
    [JsonPropertyName("lastUpdated"), JsonPropertyOrder(6)] public required string LastUpdated { get; init; }

    /// <summary><c>2026-11-27T22:10:05Z</c>: UTC, whole seconds, as Go's <c>time.Now().UTC().Format(time.RFC3339)</c>.</summary>
    public static string Timestamp(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy'-'MM'-'dd'T'HH':'mm':'ss'Z'", CultureInfo.InvariantCulture);
}
