namespace ModelAgent.Storage;

/// <summary>
/// Why a model directory cannot be used, found before any request: a JSON <c>kind</c> and a message naming the path
/// and the fix.
/// </summary>
internal sealed record DestinationProblem(string Kind, string Message);
