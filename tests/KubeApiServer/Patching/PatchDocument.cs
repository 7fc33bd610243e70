using System.Text.Json;
using System.Text.Json.Nodes;
using ModelAgent.Testing.KubeApi.Errors;

namespace ModelAgent.Testing.KubeApi.Patching;

/// <summary>A parsed PATCH body and its media type; applies itself to a copy of the stored object.</summary>
internal sealed record PatchDocument(string MediaType, JsonNode? Body)
{
    public const string Json = "application/json-patch+json";
    public const string Merge = "application/merge-patch+json";
    public const string Strategic = "application/strategic-merge-patch+json";
    public const string Apply = "application/apply-patch+yaml";

    /// <summary>Reads the body for a PATCH; an unknown or unsupported media type is a 415 as in kube-apiserver.</summary>
    public static (PatchDocument? Patch, ApiError? Error) Parse(string? contentType, string body)
    {
        var mediaType = (contentType ?? "").Split(';')[0].Trim().ToLowerInvariant();
        if (mediaType == Apply)
            return (null,
                new ApiError(415, "UnsupportedMediaType",
                "server-side apply (application/apply-patch+yaml) is not supported by this test API server; use client-side apply " +
                "(kubectl apply without --server-side)"));
        if (mediaType is not (Json or Merge or Strategic)) return (null, ApiError.UnsupportedMediaType(mediaType));
        try
        {
            return (new PatchDocument(mediaType, JsonNode.Parse(body)), null);
        }
        catch (JsonException e)
        {
            return (null, ApiError.BadRequest($"error decoding patch: {e.Message}"));
        }
    }

    public Outcome ApplyTo(JsonObject current)
    {
        switch (MediaType)
        {
            case Json:
                var error = JsonPatch.Apply(current, Body);
                return error is null ? current
                    : new ApiError(422, "Invalid", $"the server rejected our request due to an error in our request: {error}");
            case Merge:
                if (Body is not JsonObject) return ApiError.BadRequest("merge patch must be a JSON object");
                return MergePatch.Apply(current, Body) as JsonObject ?? new JsonObject();
            default:
                if (Body is not JsonObject) return ApiError.BadRequest("strategic merge patch must be a JSON object");
                return StrategicMergePatch.Apply(current, Body) as JsonObject ?? new JsonObject();
        }
    }
}
