namespace ModelAgent.Testing.KubeApi.Faults;

/// <summary>
/// One injected misbehaviour, for requests of one resource plural and/or verb (null = any). A rule can answer
/// with an error (<see cref="ErrorCode"/>, e.g. 500/503/429), hang before answering (<see cref="HangSeconds"/>;
/// with no error code the request is then served normally, so a client with a shorter timeout sees a timeout),
/// and close watch streams it matches after <see cref="DropWatchAfterSeconds"/>.
/// <see cref="Rate"/> makes it fire for a fraction of requests, <see cref="Count"/> for the next N only, and
/// <see cref="ForSeconds"/> limits it to a window starting when it is installed.
/// </summary>
internal sealed record FaultRule
{
    public string? Resource { get; init; }
    public string? Verb { get; init; }
    public int? ErrorCode { get; init; }
    public double HangSeconds { get; init; }
    public double? DropWatchAfterSeconds { get; init; }
    public double Rate { get; init; } = 1.0;
    public int? Count { get; init; }
    public double? ForSeconds { get; init; }

    /// <summary>Matches by plural ("leases") or with subresource ("basemodels/status"), and by verb.</summary>
    public bool Applies(string verb, string plural, string resourceLabel) =>
        (Resource is null || Resource == plural || Resource == resourceLabel) && (Verb is null || Verb == verb);

    /// <summary>Why this rule cannot work, or null. Checked when installed so a test's typo fails loudly.</summary>
    public string? Problem() => this switch
    {
        { Rate: < 0 or > 1 } => $"rate must be within 0..1, got {Rate}",
        { ErrorCode: { } code } when code is < 400 or > 599 => $"errorCode must be an HTTP error status 400..599, got {code}",
        { HangSeconds: < 0 } => "hangSeconds must not be negative",
        { Count: <= 0 } => "count must be positive when given",
        { ForSeconds: <= 0 } => "forSeconds must be positive when given",
        { DropWatchAfterSeconds: < 0 } => "dropWatchAfterSeconds must not be negative",
        { ErrorCode: null, HangSeconds: 0, DropWatchAfterSeconds: null } => "a rule needs errorCode, hangSeconds or dropWatchAfterSeconds",
        _ => null,
    };
}

/// <summary>What the injector decided for one request.</summary>
internal sealed record FaultDecision(TimeSpan Hang, int? ErrorCode, TimeSpan? DropWatchAfter)
{
    public static FaultDecision None { get; } = new(TimeSpan.Zero, null, null);

    public bool IsNone => Hang == TimeSpan.Zero && ErrorCode is null && DropWatchAfter is null;
}
