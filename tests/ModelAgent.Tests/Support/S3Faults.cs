namespace ModelAgent.Tests.Support;

/// <summary>
/// Error answers the proxy in front of s3rver (<see cref="S3rverProcess.Proxy"/>) gives instead of forwarding: S3's XML
/// error body with its status (SlowDown 503, ExpiredToken 400, AccessDenied 403, InternalError 500...), optionally with a
/// Retry-After, to the first <c>times</c> requests a rule matches. Rules are taken in the order they were added; counts
/// of the answers given are kept per error code.
/// </summary>
internal sealed class S3Faults
{
    private readonly List<Rule> _rules = [];
    private readonly Dictionary<string, int> _answered = [];

    private sealed class Rule(S3Fault fault, int times, Func<RawRequest, bool> matches)
    {
        public S3Fault Fault => fault;

        public Func<RawRequest, bool> Matches => matches;

        public int Left { get; set; } = times;
    }

    /// <summary>
    /// Answers <paramref name="fault"/> to the next <paramref name="times"/> requests <paramref name="when"/> accepts (all by default).
    /// </summary>
    public void Answer(S3Fault fault, int times = int.MaxValue, Func<RawRequest, bool>? when = null)
    {
        lock (_rules) _rules.Add(new Rule(fault, times, when ?? (_ => true)));
    }

    /// <summary>No more faults: every request goes to the store.</summary>
    public void Clear()
    {
        lock (_rules) _rules.Clear();
    }

    /// <summary>How many requests were answered with <paramref name="code"/>.</summary>
    public int Answered(string code)
    {
        lock (_rules) return _answered.GetValueOrDefault(code);
    }

    /// <summary>The fault to answer <paramref name="request"/> with, counting it, or null to forward it.</summary>
    public S3Fault? Take(RawRequest request)
    {
        lock (_rules)
        {
            var rule = _rules.FirstOrDefault(r => r.Left > 0 && r.Matches(request));
            if (rule is null) return null;
            rule.Left--;
            _answered[rule.Fault.Code] = _answered.GetValueOrDefault(rule.Fault.Code) + 1;
            return rule.Fault;
        }
    }

    /// <summary>An object GET (ranges included), not a listing (which has a query and no key).</summary>
    public static bool ObjectGet(RawRequest request) =>
        request.Method == "GET" && request.Target.Split('?')[0].Trim('/').Contains('/');
}
