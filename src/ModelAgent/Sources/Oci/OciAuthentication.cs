namespace ModelAgent.Sources.Oci;

/// <summary>
/// The <c>spec.storage.parameters.auth</c> of an oci:// model. OME signs OCI's native API with a principal
/// (<c>InstancePrincipal</c>, its default, <c>ResourcePrincipal</c>, <c>UserPrincipal</c>, <c>OkeWorkloadIdentity</c>);
/// model-agent speaks OCI's S3 compatibility API, which takes only a Customer Secret Key (an S3 access key pair). A
/// principal is recognised and refused with that alternative; no <c>auth</c>, or <c>CustomerSecretKey</c>, is accepted.
/// </summary>
internal static class OciAuthentication
{
    public const string Parameter = "auth";

    /// <summary>The value that says "the S3 access key pair": the only one model-agent uses.</summary>
    public const string CustomerSecretKey = "CustomerSecretKey";

    private static readonly string[] Principals = ["InstancePrincipal", "ResourcePrincipal", "UserPrincipal", "OkeWorkloadIdentity"];

    /// <summary>Why <paramref name="parameters"/> ask for an authentication model-agent cannot do, or null.</summary>
    public static string? Refusal(IReadOnlyDictionary<string, string>? parameters)
    {
        if (parameters is null || !parameters.TryGetValue(Parameter, out var value) || string.IsNullOrWhiteSpace(value)) return null;
        var name = Normalise(value);
        if (name == Normalise(CustomerSecretKey) || name == Normalise(CustomerSecretKey + "s")) return null;
        var alternative = $"create a Customer Secret Key (OCI console: your user, Customer Secret Keys) and put it in the Secret named " +
            $"by spec.storage.key as AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, then remove spec.storage.parameters.{Parameter} " +
            $"(or set it to {CustomerSecretKey})";
        var principal = Principals.FirstOrDefault(p => Normalise(p) == name);
        return principal is not null
            ? $"spec.storage.parameters.{Parameter} '{value}': model-agent reads OCI Object Storage through its S3 compatibility " +
                $"API, which does not accept {principal} authentication; {alternative}"
            : $"spec.storage.parameters.{Parameter} '{value}' is not an OCI authentication model-agent knows (it accepts " +
                $"{CustomerSecretKey}; OME's {string.Join(", ", Principals)} are not possible over the S3 compatibility API); " +
                alternative;
    }

    // OME's docs write instance_principal, its code InstancePrincipal: both mean the same.
    private static string Normalise(string value) =>
        new string(value.Where(c => c is not ('_' or '-' or ' ')).ToArray()).ToLowerInvariant();
}
