using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Nodes;

namespace ModelAgent.Testing.KubeApi.Errors;

/// <summary>An object, or the API error that takes its place. Expected failures (404, 409, 422) are values, not exceptions.</summary>
internal readonly record struct Outcome(JsonObject? Value, ApiError? Error)
{
    public static implicit operator Outcome(JsonObject value) => new(value, null);
    public static implicit operator Outcome(ApiError error) => new(null, error);

    [MemberNotNullWhen(true, nameof(Error))]
    [MemberNotNullWhen(false, nameof(Value))]
    public bool Failed => Error is not null;
}
