using ModelAgent.Sources;

namespace ModelAgent.Kubernetes.Agent.Credentials;

/// <summary>
/// An S3 access key from a Secret's data, under the names KServe's storage initializer and the AWS CLI use:
/// <c>AWS_ACCESS_KEY_ID</c>, <c>AWS_SECRET_ACCESS_KEY</c> and, for temporary credentials, <c>AWS_SESSION_TOKEN</c>.
/// A missing or empty required key is a <see cref="CredentialResolution.Failed"/> naming it and the fix; no value ever
/// appears in a reason.
/// </summary>
internal static class S3SecretKeys
{
    public const string AccessKeyId = "AWS_ACCESS_KEY_ID";
    public const string SecretAccessKey = "AWS_SECRET_ACCESS_KEY";
    public const string SessionToken = "AWS_SESSION_TOKEN";

    /// <summary>The kubectl line that creates such a Secret, for a reason that says how to fix it.</summary>
    public static string CreateCommand(string secretName, string ns) =>
        $"kubectl create secret generic {secretName} -n {ns} --from-literal={AccessKeyId}=... --from-literal={SecretAccessKey}=...";

    /// <param name="named">The Secret as a reason names it ("Secret ns/name (spec.storage.key of …)").</param>
    /// <param name="text">A data key's value as text, or null when absent, empty or not UTF-8.</param>
    public static CredentialResolution From(
        IDictionary<string, byte[]>? data, string named, string from, Func<byte[]?, string?> text)
    {
        string? Value(string key) => data is not null && data.TryGetValue(key, out var bytes) ? text(bytes) : null;
        var id = Value(AccessKeyId);
        var secret = Value(SecretAccessKey);
        var missing = new[] { (AccessKeyId, id), (SecretAccessKey, secret) }.Where(k => k.Item2 is null).Select(k => k.Item1).ToList();
        if (missing.Count > 0)
        {
            var keys = data is { Count: > 0 } ? string.Join(", ", data.Keys.Order(StringComparer.Ordinal)) : "none";
            var which = string.Join(" and ", missing.Select(k => $"'{k}'"));
            return new CredentialResolution.Failed($"{named} has no usable data key {which} (its keys: {keys}); an s3:// model's " +
                $"Secret holds {AccessKeyId}, {SecretAccessKey} and optionally {SessionToken}, or remove spec.storage.key to use " +
                "the agent's own AWS credentials (IRSA, instance role, environment)");
        }
        return new CredentialResolution.Found(new OriginCredentials.S3AccessKey(id!, secret!, Value(SessionToken)), from);
    }
}
