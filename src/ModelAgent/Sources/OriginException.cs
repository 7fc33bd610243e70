namespace ModelAgent.Sources;

/// <summary>What kind of answer an origin gave, so callers decide retry, fail, or fall back without parsing text.</summary>
internal enum OriginFailureKind
{
    /// <summary>Repository missing or not visible with the credentials given.</summary>
    RepositoryNotFound,
    RevisionNotFound,
    EntryNotFound,
    /// <summary>Gated repository: the token is missing or not on the authorized list.</summary>
    Gated,
    /// <summary>401 without a more precise code: bad, expired or missing token.</summary>
    Unauthorized,
    Forbidden,
    /// <summary>Still rate-limited (429) after every retry.</summary>
    RateLimited,
    /// <summary>5xx, resets or timeouts that outlasted every retry.</summary>
    Unavailable,
    /// <summary>The origin answered a byte-range request with something other than that range (a 200 with the whole file).</summary>
    RangeNotHonoured,
    /// <summary>The object was replaced at the origin between two ranges of one download (S3 If-Match failed).</summary>
    ContentChanged,
    /// <summary>The answer contradicts the listing (other size, malformed JSON, unsafe names).</summary>
    InvalidResponse,
    Other,
}

/// <summary>
/// A failure an origin reports with a message a person can act on. The message never contains credentials.
/// </summary>
internal sealed class OriginException(OriginFailureKind kind, string message, Exception? inner = null)
    : Exception(message, inner)
{
    public OriginFailureKind Kind { get; } = kind;

    /// <summary>Whether trying again later can help (the retry budget was spent, but a rerun may succeed).</summary>
    public bool IsTransient => Kind is OriginFailureKind.RateLimited or OriginFailureKind.Unavailable
        or OriginFailureKind.ContentChanged;
}
