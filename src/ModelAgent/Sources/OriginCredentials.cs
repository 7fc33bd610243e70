namespace ModelAgent.Sources;

/// <summary>
/// A credential for one pull, already resolved by the caller (a Kubernetes Secret, a token file, <c>HF_TOKEN</c>): a
/// bearer token for the Hub, or an access key for an S3-compatible store. Null in a request means "none given": the Hub
/// is asked anonymously (or with the process's tokens), an S3 store with the SDK's default chain. The secret parts never
/// appear in <see cref="ToString"/>, so a credential in a log line or a message shows only what is safe to show.
/// </summary>
internal abstract record OriginCredentials
{
    private OriginCredentials() { }

    /// <summary>What kind of credential this is, for a message that says it does not fit an origin.</summary>
    public abstract string Kind { get; }

    /// <summary>A Hugging Face token (<c>hf_…</c>), sent as a bearer token.</summary>
    public sealed record HfToken(string Token) : OriginCredentials
    {
        public override string Kind => "a Hugging Face token";

        public override string ToString() => Kind;
    }

    /// <summary>
    /// An AWS-style access key (<c>AWS_ACCESS_KEY_ID</c>, <c>AWS_SECRET_ACCESS_KEY</c>, optional <c>AWS_SESSION_TOKEN</c>),
    /// for S3 and the stores that speak its API. The key id is no secret (AWS shows it in errors); the rest is.
    /// </summary>
    public sealed record S3AccessKey(string AccessKeyId, string SecretAccessKey, string? SessionToken) : OriginCredentials
    {
        public override string Kind => "an S3 access key";

        public override string ToString() => $"access key {AccessKeyId}{(SessionToken is null ? "" : " with a session token")}";
    }
}
