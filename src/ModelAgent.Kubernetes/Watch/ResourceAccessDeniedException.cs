namespace ModelAgent.Kubernetes.Watch;

/// <summary>
/// The API server refused to list or watch a resource (401 Unauthorized or 403 Forbidden): the agent's
/// ServiceAccount lacks the permission, which no retry fixes until someone grants it. The watch keeps retrying
/// with its capped backoff, so applying the missing ClusterRole heals a running agent.
/// </summary>
internal sealed class ResourceAccessDeniedException(string resource, string verb, int statusCode, Exception inner)
    : Exception(
        $"{(statusCode == 401 ? "unauthorized" : "forbidden")} ({statusCode}) to {verb} {resource}: " +
        $"check the ClusterRole bound to the agent's ServiceAccount grants '{verb}' on {resource}", inner)
{
    public string Resource { get; } = resource;
    public string Verb { get; } = verb;
    public int StatusCode { get; } = statusCode;
}
