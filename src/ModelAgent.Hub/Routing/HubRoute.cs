namespace ModelAgent.Hub.Routing;

internal enum RouteKind { RepoInfo, Tree, PathsInfo, Resolve, Cdn, Control, Unknown }

/// <summary>
/// A request target parsed into what the Hub protocol means by it. <see cref="Revision"/> and <see cref="Path"/> are
/// already percent-decoded per segment (so <c>refs%2Fpr%2F1</c> is one revision and <c>a%2Fb</c> a sub-path).
/// </summary>
internal sealed record HubRoute(RouteKind Kind, string Org = "", string Name = "", string? Revision = null, string Path = "")
{
    public string RepoId => $"{Org}/{Name}";

    /// <summary>The stats bucket this request counts under.</summary>
    public string StatsKind => Kind switch
    {
        RouteKind.RepoInfo or RouteKind.PathsInfo => "api",
        RouteKind.Tree => "tree",
        RouteKind.Resolve => "resolve",
        RouteKind.Cdn => "cdn",
        RouteKind.Control => "control",
        _ => "other",
    };

    /// <summary>
    /// Parses the raw request path (before any decoding: Kestrel's <c>Request.Path</c> leaves <c>%2F</c> encoded but
    /// decodes everything else, which loses the segment boundaries we need).
    /// </summary>
    public static HubRoute Parse(string rawPath, bool cdnListener)
    {
        var query = rawPath.IndexOf('?');
        if (query >= 0) rawPath = rawPath[..query];
        var raw = rawPath.Split('/').Skip(1).ToList();
        while (raw.Count > 0 && raw[^1].Length == 0) raw.RemoveAt(raw.Count - 1);
        var s = raw.Select(Uri.UnescapeDataString).ToArray();

        if (cdnListener)
            return s.Length >= 5 && s[0] == "cdn"
                ? new HubRoute(RouteKind.Cdn, s[1], s[2], s[3], Join(s, 4))
                : new HubRoute(RouteKind.Unknown);

        if (s.Length >= 2 && s[0] == "_hub") return new HubRoute(RouteKind.Control, Path: string.Join('/', s.Skip(1)));
        if (s.Length >= 4 && s[0] == "api" && s[1] == "models")
        {
            var (org, name) = (s[2], s[3]);
            if (s.Length == 4) return new HubRoute(RouteKind.RepoInfo, org, name);
            if (s.Length == 6 && s[4] == "revision") return new HubRoute(RouteKind.RepoInfo, org, name, s[5]);
            if (s.Length >= 6 && s[4] == "tree") return new HubRoute(RouteKind.Tree, org, name, s[5], Join(s, 6));
            if (s.Length == 6 && s[4] == "paths-info") return new HubRoute(RouteKind.PathsInfo, org, name, s[5]);
            return new HubRoute(RouteKind.Unknown);
        }
        if (s.Length >= 5 && s[2] == "resolve") return new HubRoute(RouteKind.Resolve, s[0], s[1], s[3], Join(s, 4));
        return new HubRoute(RouteKind.Unknown);
    }

    private static string Join(string[] segments, int from) => string.Join('/', segments.Skip(from));
}
