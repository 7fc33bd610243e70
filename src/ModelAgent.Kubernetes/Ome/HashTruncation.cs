using System.Security.Cryptography;
using System.Text;

namespace ModelAgent.Kubernetes.Ome;

/// <summary>
/// OME's <c>truncateWithHash</c>, which both the node label key and the ConfigMap key use to fit a model's name into a
/// length limit: a name that fits is kept; a longer one becomes the first 8 lowercase hex digits of its SHA-256, a
/// dash and its last bytes, or only the hash when there is no room for more. Lengths are UTF-8 bytes, as in Go.
/// The keys must match OME's byte for byte: serving pods select nodes by the label key, and the controller finds a
/// model's entry by the ConfigMap key.
/// </summary>
internal static class HashTruncation
{
    private const int HashLength = 8;

    public static string Truncate(string value, int maxBytes)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        if (bytes.Length <= maxBytes) return value;
        var hash = Convert.ToHexStringLower(SHA256.HashData(bytes))[..HashLength];
        var keep = maxBytes - HashLength - 1;
        if (keep <= 0) return hash[..Math.Min(maxBytes, HashLength)];
        return hash + "-" + Encoding.UTF8.GetString(bytes, bytes.Length - keep, keep);
    }

    /// <summary>
    /// How a BaseModel's namespace and name share <paramref name="available"/> bytes: both kept when they fit together;
    /// else a namespace of at most 8 bytes is kept whole and the name gets the rest, and a longer namespace is cut to
    /// 8 (its hash) and the name to <c>available - 8</c>.
    /// </summary>
    public static (string Namespace, string Name) SplitNamespaced(string @namespace, string name, int available)
    {
        var nsBytes = Encoding.UTF8.GetByteCount(@namespace);
        if (nsBytes + Encoding.UTF8.GetByteCount(name) <= available) return (@namespace, name);
        var nsMax = nsBytes <= HashLength ? nsBytes : HashLength;
        return (Truncate(@namespace, nsMax), Truncate(name, available - nsMax));
    }
}
