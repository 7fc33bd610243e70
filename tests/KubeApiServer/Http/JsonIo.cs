using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelAgent.Testing.KubeApi.Errors;
using ModelAgent.Testing.KubeApi.Protobuf;

namespace ModelAgent.Testing.KubeApi.Http;

/// <summary>Reading request bodies and writing JSON responses the way kube-apiserver frames them.</summary>
internal static class JsonIo
{
    private static readonly JsonSerializerOptions Compact = new() { WriteIndented = false };

    public static async Task WriteAsync(HttpContext context, int statusCode, JsonNode body, string contentType = "application/json")
    {
        context.Response.StatusCode = statusCode;
        context.Response.ContentType = contentType;
        var bytes = Encoding.UTF8.GetBytes(body.ToJsonString(Compact));
        context.Response.ContentLength = bytes.Length;
        await context.Response.Body.WriteAsync(bytes, context.RequestAborted);
    }

    public static Task WriteErrorAsync(HttpContext context, ApiError error) => WriteAsync(context, error.Code, error.ToStatus());

    /// <summary>Reads a JSON object body; protobuf, YAML and malformed JSON are refused with the status kube-apiserver gives.</summary>
    public static async Task<(JsonObject? Body, ApiError? Error)> ReadObjectAsync(HttpContext context, bool optional = false)
    {
        var mediaType = (context.Request.ContentType ?? "application/json").Split(';')[0].Trim().ToLowerInvariant();
        if (mediaType == "application/vnd.kubernetes.protobuf")
        {
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
            var (decoded, problem) = KubeProtobufDecoder.Decode(buffer.ToArray());
            return decoded is not null ? (decoded, null) : (null, new ApiError(415, "UnsupportedMediaType", problem!));
        }
        var text = await ReadTextAsync(context);
        if (text.Length == 0)
            return optional ? (null, null) : (null, ApiError.BadRequest("the request body is empty; a JSON object is required"));
        if (mediaType is not ("application/json" or "*/*" or ""))
            return (null,
                new ApiError(415, "UnsupportedMediaType",
                $"the body of the request was in an unknown format - accepted media types include: application/json (got {mediaType})"));
        try
        {
            return JsonNode.Parse(text) is JsonObject obj
                ? (obj, null)
                : (null, ApiError.BadRequest("the request body must be a JSON object"));
        }
        catch (JsonException e)
        {
            return (null, ApiError.BadRequest($"couldn't get version/kind; json parse error: {e.Message}"));
        }
    }

    public static async Task<string> ReadTextAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        return await reader.ReadToEndAsync(context.RequestAborted);
    }
}
