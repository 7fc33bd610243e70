using System.Globalization;
using System.Net;
using System.Text.Json;
using k8s.Autorest;

namespace ModelAgent.Kubernetes.Reporting;

/// <summary>How the reporting writers read a failed API call: its status, whether another try can help, and words for it.</summary>
internal static class ApiFailure
{
    public static HttpStatusCode? StatusOf(Exception e) => e is HttpOperationException http ? http.Response.StatusCode : null;

    /// <summary>Any failure of the call itself, as opposed to our own cancellation.</summary>
    public static bool IsApiFailure(Exception e, CancellationToken cancellationToken) =>
        e is HttpRequestException or IOException or HttpOperationException
        || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested); // a client timeout

    /// <summary>Worth another try: the server was busy, raced or unreachable; not a refusal that will repeat.</summary>
    public static bool IsTransient(Exception e) => StatusOf(e) switch
    {
        null => true,
        HttpStatusCode.Conflict or HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout => true,
        var code => (int)code >= 500,
    };

    /// <summary>"HTTP 403 Forbidden: configmaps is forbidden: …", or the transport error's message.</summary>
    public static string Describe(Exception e)
    {
        if (e is not HttpOperationException http) return e is OperationCanceledException ? "the request timed out" : e.Message;
        var code = http.Response.StatusCode;
        var text = string.Create(CultureInfo.InvariantCulture, $"HTTP {(int)code} {code}");
        var message = StatusMessage(http.Response.Content);
        return message is null ? text : $"{text}: {message}";
    }

    private static string? StatusMessage(string? content)
    {
        if (string.IsNullOrWhiteSpace(content)) return null;
        try
        {
            using var document = JsonDocument.Parse(content);
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.String
                ? message.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
