using ModelAgent.Sources;

namespace ModelAgent.Kubernetes.Agent.Credentials;

/// <summary>
/// Where a model's origin credentials came from. <see cref="Found.From"/> names the place for logs; the secret parts never
/// are (<see cref="OriginCredentials"/> keeps them out of its text).
/// </summary>
internal abstract record CredentialResolution
{
    private CredentialResolution() { }

    public sealed record Found(OriginCredentials Credentials, string From) : CredentialResolution
    {
        public override string ToString() => $"{Credentials} from {From}";
    }

    /// <summary>
    /// No credentials configured for the model: the Hub is asked anonymously, an S3 store with the agent process's
    /// default chain (IRSA, instance metadata, environment).
    /// </summary>
    public sealed record Anonymous : CredentialResolution;

    /// <summary>
    /// Credentials were configured but cannot be read (missing Secret or key, API refused): the model is Failed with this
    /// reason.
    /// </summary>
    public sealed record Failed(string Reason) : CredentialResolution;
}
