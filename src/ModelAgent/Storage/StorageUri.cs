using System.Diagnostics.CodeAnalysis;

namespace ModelAgent.Storage;

/// <summary>
/// A model's storage URI as OME writes it in <c>spec.storage.storageUri</c> (docs/storage-uris.md has the grammar).
/// Parsing never throws for bad input: <see cref="TryParse"/> gives a message that names the URI and the fix.
/// </summary>
internal abstract record StorageUri(string Original)
{
    public abstract string Scheme { get; }

    /// <summary>True when the agent transfers bytes for it (hf, s3, oci); false when files are used in place or never on this
    /// node.</summary>
    public abstract bool IsDownloaded { get; }

    // Sealed so that the derived records do not synthesise their own: a URI in a message is what the user typed.
    public sealed override string ToString() => Original;

    public static StorageUri Parse(string text) =>
        TryParse(text, out var uri, out var error) ? uri : throw new FormatException(error);

    public static bool TryParse(string? text, [NotNullWhen(true)] out StorageUri? uri, [NotNullWhen(false)] out string? error)
    {
        uri = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "storage URI is empty; expected one of hf://org/model[@revision], s3://bucket/prefix, oci://…, pvc://…, " +
                "local://…, vendor://…";
            return false;
        }
        var separator = text.IndexOf("://", StringComparison.Ordinal);
        var scheme = separator > 0 ? text[..separator] : "";
        var rest = separator > 0 ? text[(separator + 3)..] : "";
        error = scheme switch
        {
            "hf" => HuggingFaceUri.TryCreate(text, rest, out uri),
            "s3" => S3Uri.TryCreate(text, rest, out uri),
            "oci" => OciUri.TryCreate(text, rest, out uri),
            "pvc" => PvcUri.TryCreate(text, rest, out uri),
            "local" => LocalUri.TryCreate(text, rest, out uri),
            "vendor" => VendorUri.TryCreate(text, rest, out uri),
            "az" or "gs" or "github" =>
                $"storage URI '{text}': the {scheme}:// scheme is recognised but not supported: model-agent cannot download from it; " +
                $"pull supports {PulledSchemes.Listed} today: copy the files onto the node and use local://, or serve them with " +
                "'model-agent hub serve' and pull hf:// from it",
            _ => $"storage URI '{text}' has an unknown scheme{(scheme.Length > 0 ? $" '{scheme}'" : "")}; expected one of hf://, s3://, " +
                $"oci://, pvc://, local://, vendor://",
        };
        return error is null;
    }
}

/// <summary><c>hf://{org}/{name}[@{revision}]</c>; revision defaults to <c>main</c> (branch, tag or commit).</summary>
internal sealed record HuggingFaceUri(string Original, string RepoId, string Revision) : StorageUri(Original)
{
    public const string DefaultRevision = "main";
    public override string Scheme => "hf";
    public override bool IsDownloaded => true;

    internal static string? TryCreate(string original, string rest, out StorageUri? uri)
    {
        uri = null;
        var at = rest.IndexOf('@');
        var repo = at >= 0 ? rest[..at] : rest;
        var revision = at >= 0 ? rest[(at + 1)..] : DefaultRevision;
        if (repo.Length == 0) return $"storage URI '{original}' has no model id; expected hf://org/model[@revision]";
        if (at >= 0
            && revision.Length == 0)
            return $"storage URI '{original}' has an empty revision after '@'; drop the '@' to use '{DefaultRevision}'";
        var segments = repo.Split('/');
        if (segments.Length > 2 || segments.Any(s => s.Length == 0 || s is "." or ".." || !s.All(IsRepoChar)))
            return $"storage URI '{original}': '{repo}' is not a Hugging Face model id; expected 'org/name' or 'name' of letters, " +
                $"digits, '-', '_' and '.'";
        if (revision.Contains("..") || revision.Any(char.IsControl) || revision.Contains(' '))
            return $"storage URI '{original}': '{revision}' is not a valid revision (branch, tag or commit sha)";
        uri = new HuggingFaceUri(original, repo, revision);
        return null;
    }

    private static bool IsRepoChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.';
}

/// <summary><c>s3://{bucket}[@{region}][/{prefix}]</c> (OME recognises it but does not download it; we do).</summary>
internal sealed record S3Uri(string Original, string Bucket, string? Region, string Prefix) : StorageUri(Original)
{
    public override string Scheme => "s3";
    public override bool IsDownloaded => true;

    internal static string? TryCreate(string original, string rest, out StorageUri? uri)
    {
        uri = null;
        var slash = rest.IndexOf('/');
        var head = slash >= 0 ? rest[..slash] : rest;
        var prefix = slash >= 0 ? rest[(slash + 1)..] : "";
        var at = head.IndexOf('@');
        var bucket = at >= 0 ? head[..at] : head;
        var region = at >= 0 ? head[(at + 1)..] : null;
        if (bucket.Length == 0) return $"storage URI '{original}' has no bucket; expected s3://bucket[@region][/prefix]";
        if (region is { Length: 0 }) return $"storage URI '{original}' has an empty region after '@'";
        if (bucket.Length is < 3 or > 63 || !bucket.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '.'))
            return $"storage URI '{original}': '{bucket}' is not a valid S3 bucket name (3-63 lowercase letters, digits, '-' and '.')";
        uri = new S3Uri(original, bucket, region, prefix);
        return null;
    }
}

/// <summary>
/// OCI Object Storage, the three forms OME accepts: <c>oci://n/{namespace}/b/{bucket}/o/{prefix}</c>,
/// <c>oci://{namespace}@{region}/{bucket}/{prefix}</c>, <c>oci://{bucket}/{prefix}</c>. A null namespace means
/// "look it up with the tenancy's GetNamespace call"; OME parses the region of the second form but never applies it.
/// </summary>
internal sealed record OciUri(string Original, string? Namespace, string? Region, string Bucket, string Prefix) : StorageUri(Original)
{
    public override string Scheme => "oci";
    public override bool IsDownloaded => true;

    internal static string? TryCreate(string original, string rest, out StorageUri? uri)
    {
        uri = null;
        var parts = rest.Split('/');
        if (parts.Length >= 4 && parts[0] == "n" && parts[2] == "b")
        {
            if (parts[1].Length == 0 || parts[3].Length == 0)
                return $"storage URI '{original}': namespace and bucket must not be empty in " +
                    $"oci://n/{{namespace}}/b/{{bucket}}/o/{{prefix}}";
            var hasObjectMarker = parts.Length >= 5 && parts[4] == "o";
            if (parts.Length >= 5 && !hasObjectMarker)
                return $"storage URI '{original}': expected 'o' after the bucket, as in oci://n/{{namespace}}/b/{{bucket}}/o/{{prefix}}";
            uri = new OciUri(original, parts[1], null, parts[3], hasObjectMarker ? string.Join('/', parts[5..]) : "");
            return null;
        }
        if (parts[0] is "n" or "b")
            return $"storage URI '{original}' looks like the long OCI form but is incomplete; expected " +
                $"oci://n/{{namespace}}/b/{{bucket}}/o/{{prefix}}";
        var head = parts[0];
        var at = head.IndexOf('@');
        if (at >= 0)
        {
            var ns = head[..at];
            var region = head[(at + 1)..];
            if (region.Length == 0 || parts.Length < 2 || parts[1].Length == 0)
                return $"storage URI '{original}': expected oci://{{namespace}}@{{region}}/{{bucket}}/{{prefix}}";
            uri = new OciUri(original, ns.Length == 0 ? null : ns, region, parts[1], string.Join('/', parts[2..]));
            return null;
        }
        if (head.Length == 0)
            return $"storage URI '{original}' has no bucket; expected oci://{{bucket}}/{{prefix}} or " +
            $"oci://n/{{namespace}}/b/{{bucket}}/o/{{prefix}}";
        uri = new OciUri(original, null, null, head, string.Join('/', parts[1..]));
        return null;
    }
}

/// <summary><c>pvc://[{namespace}:]{claim}/{subpath}</c>: mounted by the serving pod, never downloaded by the agent.</summary>
internal sealed record PvcUri(string Original, string? Namespace, string Claim, string SubPath) : StorageUri(Original)
{
    public override string Scheme => "pvc";
    public override bool IsDownloaded => false;

    internal static string? TryCreate(string original, string rest, out StorageUri? uri)
    {
        uri = null;
        var slash = rest.IndexOf('/');
        if (slash <= 0 || slash == rest.Length - 1)
            return $"storage URI '{original}': expected pvc://[namespace:]claim/subpath (the subpath is required)";
        var head = rest[..slash];
        var subPath = rest[(slash + 1)..];
        string? ns = null;
        var claim = head;
        var colons = head.Count(c => c == ':');
        if (colons > 1) return $"storage URI '{original}': only one ':' may separate namespace and claim";
        if (colons == 1)
        {
            ns = head[..head.IndexOf(':')];
            claim = head[(head.IndexOf(':') + 1)..];
            if (!IsDnsLabel(ns))
                return $"storage URI '{original}': '{ns}' is not a valid namespace (lowercase letters, digits and '-', at most 63, no " +
                    $"leading or trailing '-')";
        }
        if (claim.Length == 0) return $"storage URI '{original}' has an empty claim name";
        uri = new PvcUri(original, ns, claim, subPath);
        return null;
    }

    private static bool IsDnsLabel(string s) =>
        s.Length is > 0 and <= 63 && s[0] != '-' && s[^1] != '-'
            && s.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-');
}

/// <summary><c>local://{path}</c> (<c>local:///abs</c> or <c>local://./rel</c>): files already on the node, never deleted.</summary>
internal sealed record LocalUri(string Original, string Path) : StorageUri(Original)
{
    public override string Scheme => "local";
    public override bool IsDownloaded => false;

    internal static string? TryCreate(string original, string rest, out StorageUri? uri)
    {
        uri = null;
        if (rest.Length == 0) return $"storage URI '{original}' has no path; expected local:///absolute/path or local://./relative/path";
        uri = new LocalUri(original, rest);
        return null;
    }
}

/// <summary><c>vendor://{vendor}/{resourceType}/{resourcePath}</c>: provided by the platform, nothing to download.</summary>
internal sealed record VendorUri(string Original, string Vendor, string ResourceType, string ResourcePath) : StorageUri(Original)
{
    public override string Scheme => "vendor";
    public override bool IsDownloaded => false;

    internal static string? TryCreate(string original, string rest, out StorageUri? uri)
    {
        uri = null;
        var parts = rest.Split('/', 3);
        if (parts.Length < 3 || parts.Any(p => p.Length == 0))
            return $"storage URI '{original}': expected vendor://{{vendor}}/{{resourceType}}/{{resourcePath}}";
        uri = new VendorUri(original, parts[0], parts[1], parts[2]);
        return null;
    }
}
