namespace ModelAgent.Resilience;

/// <summary>
/// A wait the server names (RateLimit <c>t=</c>, Retry-After) is taken plus <see cref="Padding"/> (the reset boundary
/// is fuzzy, and arriving early costs another refusal) plus a random spread of up to <see cref="Spread"/>, and at most
/// the named wait itself (every node of a cluster hears the same reset time; coming back all at once would be the same
/// stampede a window later), never less than named, and never more than <see cref="Max"/>.
/// </summary>
internal sealed record NamedWaitRule(TimeSpan Padding, TimeSpan Spread, TimeSpan Max)
{
    /// <summary>The Hub's rate-limit windows are 5 minutes: a wait is capped at 6.</summary>
    public static readonly NamedWaitRule Default = new(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(6));
}
