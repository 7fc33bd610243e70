using System.Text.Json.Serialization;

namespace ModelAgent.Coordination;

/// <summary>
/// What a lease says, in both backends: the fields of a coordination.k8s.io/v1 Lease spec plus what the holder
/// publishes for waiters (progress) and what it leaves behind when it lets go (outcome). Times are the writer's
/// wall clock and are only ever compared for change, never against the reader's clock.
/// </summary>
internal sealed record LeaseRecord
{
    /// <summary>The node holding the lease; empty when released.</summary>
    [JsonPropertyName("holderIdentity")] public string HolderIdentity { get; init; } = "";
    [JsonPropertyName("leaseDurationSeconds")] public int LeaseDurationSeconds { get; init; }
    [JsonPropertyName("acquireTime")] public DateTimeOffset AcquireTime { get; init; }
    [JsonPropertyName("renewTime")] public DateTimeOffset RenewTime { get; init; }
    [JsonPropertyName("leaseTransitions")] public int LeaseTransitions { get; init; }
    [JsonPropertyName("progress")] public LeaseProgress? Progress { get; init; }
    [JsonPropertyName("outcome")] public LeaseOutcome? Outcome { get; init; }

    [JsonIgnore] public bool IsReleased => HolderIdentity.Length == 0;
}

/// <summary>Bytes the holder has on disk out of the model's total, so waiting nodes can report it too.</summary>
internal sealed record LeaseProgress(
    [property: JsonPropertyName("bytesDone")] long BytesDone,
    [property: JsonPropertyName("bytesTotal")] long BytesTotal);

/// <summary>
/// How the last holder's attempt ended. A failure carries how many attempts have failed in a row and how long
/// others should wait before trying, so a model that cannot be downloaded is retried by one node at a time, spaced out.
/// </summary>
internal sealed record LeaseOutcome(
    [property: JsonPropertyName("succeeded")] bool Succeeded,
    [property: JsonPropertyName("message")] string? Message,
    [property: JsonPropertyName("failures")] int Failures,
    [property: JsonPropertyName("retryAfterSeconds")] int RetryAfterSeconds,
    [property: JsonPropertyName("by")] string By);
