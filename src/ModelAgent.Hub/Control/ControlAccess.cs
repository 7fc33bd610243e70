using Microsoft.AspNetCore.Http;
using ModelAgent.Hub.Api;

namespace ModelAgent.Hub.Control;

/// <summary>
/// Who may use the <c>/_hub/</c> test endpoints. Off unless <c>--control</c> or a control token turns them on (then
/// absent: 404). On, they need the control token, else the hub token, when one is set: none sent ⇒ 401, a wrong one
/// ⇒ 403. With neither token they are open, which <see cref="HubServer"/> allows only on a loopback address.
/// </summary>
internal static class ControlAccess
{
    public static bool Enabled(HubServerOptions options) => options.Control || options.ControlToken is not null;

    private static string? RequiredToken(HubServerOptions options) => options.ControlToken ?? options.Token;

    public static string Describe(HubServerOptions options) =>
        !Enabled(options) ? "off"
        : options.ControlToken is not null ? "on, control token required"
        : options.Token is not null ? "on, hub token required"
        : "on, open to loopback";

    /// <summary>True when the request may use a control endpoint; otherwise the 401/403 has been written.</summary>
    public static async Task<bool> AllowAsync(HttpContext context, HubServerOptions options)
    {
        var token = RequiredToken(options);
        if (token is null || AccessCheck.HasValidToken(context, token)) return true;
        if (!AccessCheck.HasAuthorization(context))
            await HubErrors.WriteAsync(context, 401, null,
                "The /_hub/ endpoints need a token: send 'Authorization: Bearer <control token>'.");
        else
            await HubErrors.WriteAsync(context, 403, null, "The token sent does not open the /_hub/ endpoints.");
        return false;
    }
}
