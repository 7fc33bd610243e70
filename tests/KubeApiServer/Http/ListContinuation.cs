using System.Text;
using System.Text.Json.Nodes;

namespace ModelAgent.Testing.KubeApi.Http;

/// <summary>
/// The opaque <c>continue</c> token of a paged list: the key after which the next page starts. Unlike etcd, later
/// pages show the current state rather than a snapshot at the first page's resourceVersion.
/// </summary>
internal static class ListContinuation
{
    public static string Encode(string afterKey, long resourceVersion) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(new JsonObject { ["rv"] = resourceVersion, ["start"] = afterKey }.ToJsonString()))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static bool TryDecode(string token, out string afterKey)
    {
        afterKey = "";
        try
        {
            var padded = token.Replace('-', '+').Replace('_', '/');
            padded += new string('=', (4 - padded.Length % 4) % 4);
            var json = JsonNode.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(padded)));
            afterKey = Text(json?["start"]) ?? "";
            return afterKey.Length > 0;
        }
        catch (Exception e) when (e is FormatException or System.Text.Json.JsonException or InvalidOperationException)
        {
            return false;
        }
    }
}
