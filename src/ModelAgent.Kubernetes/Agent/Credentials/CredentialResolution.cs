namespace ModelAgent.Kubernetes.Agent.Credentials;

/// <summary>Where a model's origin token came from. <see cref="Found.From"/> names the place for logs; the token itself never is.</summary>
internal abstract record CredentialResolution
{
    private CredentialResolution() { }

    public sealed record Found(string Token, string From) : CredentialResolution
    {
        public override string ToString() => $"token from {From}";
    }

    /// <summary>No token configured anywhere: anonymous requests.</summary>
    public sealed record Anonymous : CredentialResolution;

    /// <summary>
    /// A token was configured but cannot be read (missing Secret or key, API refused): the model is Failed with this reason.
    /// </summary>
    public sealed record Failed(string Reason) : CredentialResolution;
}
