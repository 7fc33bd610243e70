namespace ModelAgent.Testing.KubeApi.Authorization;

/// <summary>Who a request comes from in <c>--authorize</c> mode, as the bearer token names it.</summary>
internal sealed record RequestUser(string Name, IReadOnlyList<string> Groups)
{
    public const string AdminToken = "admin";
    private const string ServiceAccountPrefix = "system:serviceaccount:";

    /// <summary>The admin bypasses RBAC, as system:masters does.</summary>
    public bool IsAdmin => Name == AdminToken;

    /// <summary>
    /// The user a token stands for: <c>admin</c>, or <c>system:serviceaccount:NS:NAME</c> acting as that ServiceAccount
    /// (with the groups kube gives a ServiceAccount's token); null for a missing or unknown token (401).
    /// </summary>
    public static RequestUser? FromAuthorizationHeader(string? header)
    {
        const string bearer = "Bearer ";
        if (header is null || !header.StartsWith(bearer, StringComparison.OrdinalIgnoreCase)) return null;
        var token = header[bearer.Length..].Trim();
        if (token == AdminToken) return new RequestUser(AdminToken, ["system:masters", "system:authenticated"]);
        if (!token.StartsWith(ServiceAccountPrefix, StringComparison.Ordinal)) return null;
        var parts = token[ServiceAccountPrefix.Length..].Split(':');
        if (parts is not [{ Length: > 0 } ns, { Length: > 0 }]) return null;
        return new RequestUser(token, ["system:serviceaccounts", $"system:serviceaccounts:{ns}", "system:authenticated"]);
    }
}
