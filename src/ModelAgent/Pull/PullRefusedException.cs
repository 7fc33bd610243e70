namespace ModelAgent.Pull;

/// <summary>
/// The pull was refused before anything changed: bad input (a scheme the agent does not pull, an unusable
/// destination), another model in the directory, or a local:// model that is not complete. <see cref="Kind"/> names
/// the reason for machines (the CLI's JSON <c>kind</c>); the message names the thing and the fix.
/// </summary>
internal sealed class PullRefusedException(string message, string kind = PullRefusedException.Refused) : Exception(message)
{
    /// <summary>Another model lives in the directory.</summary>
    public const string Refused = "refused";
    /// <summary>The request cannot be served as asked (scheme, flags).</summary>
    public const string Usage = "usage";
    /// <summary>A local:// directory is there but not a complete model; nothing was changed.</summary>
    public const string Incomplete = "incomplete";
    /// <summary>A local:// directory does not exist.</summary>
    public const string NotFound = "not-found";

    public string Kind { get; } = kind;
}
