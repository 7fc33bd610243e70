namespace ModelAgent.Peers;

/// <summary>
/// The other agents a process may fetch from (<c>--peers URL,…</c>) and the token they require (<c>--peer-token-file</c>).
/// Empty: every byte comes from the origin, as without peers.
/// </summary>
internal sealed record PeerSettings(IReadOnlyList<Uri> Peers, string? Token = null)
{
    public static readonly PeerSettings None = new([]);

    /// <summary>How long a peer may take to answer with headers before it counts as failed for the model.</summary>
    public TimeSpan HeadersTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>How long to keep asking peers that all answer 503 (busy) before a range goes to the origin.</summary>
    public TimeSpan BusyPatience { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Parses <c>--peers</c>: comma-separated http(s) base URLs. Null with the reason when one is not.</summary>
    public static IReadOnlyList<Uri>? ParseList(string? text, out string? problem)
    {
        problem = null;
        var peers = new List<Uri>();
        foreach (var part in (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!Uri.TryCreate(part, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.Query.Length > 0
                || !string.IsNullOrEmpty(uri.UserInfo))
            {
                problem = $"--peers: '{part}' is not a peer URL; pass http://HOST:PORT of each peer, comma-separated";
                return null;
            }
            peers.Add(new Uri(uri.GetLeftPart(UriPartial.Path).TrimEnd('/') + "/"));
        }
        return peers;
    }
}
