using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace ModelAgent.Hub.Api;

/// <summary>
/// The optional bearer token. With a token configured every repo behaves like a private one: anonymous requests get
/// 401 RepoNotFound (sent explicitly: HH maps a bare 401 on http:// URLs to a generic error), a wrong token 401
/// "Invalid credentials". Gated repos additionally refuse file downloads without the token (401/403 GatedRepo).
/// </summary>
internal static class AccessCheck
{
    private static readonly object AuthenticatedKey = new();

    /// <summary>
    /// Marks the request as having passed its check (the hub token, a CDN signature, the control token): only such
    /// requests enter the request log, so anonymous clients cannot fill it.
    /// </summary>
    public static void MarkAuthenticated(HttpContext context) => context.Items[AuthenticatedKey] = true;

    public static bool IsAuthenticated(HttpContext context) => context.Items.ContainsKey(AuthenticatedKey);

    public static bool HasAuthorization(HttpContext context) => context.Request.Headers.Authorization.Count > 0;

    public static bool HasValidToken(HttpContext context, string? token)
    {
        if (token is null) return false;
        var header = context.Request.Headers.Authorization.ToString();
        const string prefix = "Bearer ";
        if (!header.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)) return false;
        return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(header[prefix.Length..].Trim()),
            Encoding.UTF8.GetBytes(token));
    }

    /// <summary>True when the request may see <paramref name="repoId"/>; otherwise the 401 has been written.</summary>
    public static async Task<bool> AllowRepoAsync(HttpContext context, HubState state, string repoId)
    {
        var token = state.Options.Token;
        if (token is null || HasValidToken(context, token)) return true;
        if (!HasAuthorization(context))
            await HubErrors.WriteAsync(context, 401, HubErrors.RepoNotFound,
                $"Repository {repoId} needs a token: send 'Authorization: Bearer hf_...'.");
        else
            await HubErrors.WriteAsync(context, 401, null, "Invalid credentials in Authorization header");
        return false;
    }

    /// <summary>True when the request may download files of <paramref name="repoId"/> (gated repos need the token).</summary>
    public static async Task<bool> AllowFilesAsync(HttpContext context, HubState state, string repoId)
    {
        if (!state.Options.GatedRepos.Contains(repoId) || HasValidToken(context, state.Options.Token)) return true;
        if (!HasAuthorization(context))
            await HubErrors.WriteAsync(context, 401, HubErrors.GatedRepo,
                $"Access to model {repoId} is restricted. You must have access to it and be authenticated to access it. Please log in.");
        else
            await HubErrors.WriteAsync(context, 403, HubErrors.GatedRepo,
                $"Access to model {repoId} is restricted and you are not in the authorized list.");
        return false;
    }
}
