namespace ModelAgent.Testing.KubeApi.Faults;

/// <summary>
/// The fault rules in force, switchable at runtime (in-process or over /_test/faults). Randomness comes from a
/// seeded generator so a failing test run can be replayed.
/// </summary>
internal sealed class FaultInjector(TimeProvider time, int seed)
{
    private readonly Lock _lock = new();
    private readonly List<ActiveRule> _rules = [];
    private readonly Random _random = new(seed);

    private sealed class ActiveRule(FaultRule rule, DateTimeOffset? until)
    {
        public FaultRule Rule { get; } = rule;
        public DateTimeOffset? Until { get; } = until;
        public int? Remaining { get; set; } = rule.Count;
    }

    /// <summary>Installs a rule; throws for a rule that cannot work (a test bug, not a runtime condition).</summary>
    public void Add(FaultRule rule)
    {
        if (rule.Problem() is { } problem) throw new ArgumentException($"fault rule rejected: {problem}", nameof(rule));
        lock (_lock)
            _rules.Add(new ActiveRule(rule, rule.ForSeconds is { } s ? time.GetUtcNow().AddSeconds(s) : null));
    }

    public void Clear()
    {
        lock (_lock) _rules.Clear();
    }

    /// <summary>The rules still in force, with counts left; expired windows and used-up counts are gone.</summary>
    public IReadOnlyList<FaultRule> Active()
    {
        lock (_lock)
        {
            Expire();
            return _rules.Select(r => r.Rule with { Count = r.Remaining }).ToList();
        }
    }

    public FaultDecision Decide(string verb, string plural, string resourceLabel)
    {
        lock (_lock)
        {
            Expire();
            var hang = TimeSpan.Zero;
            int? error = null;
            TimeSpan? drop = null;
            foreach (var active in _rules.Where(r => r.Rule.Applies(verb, plural, resourceLabel)).ToList())
            {
                if (active.Rule.Rate < 1.0 && _random.NextDouble() >= active.Rule.Rate) continue;
                if (active.Remaining is { } left)
                {
                    active.Remaining = left - 1;
                    if (left == 1) _rules.Remove(active);
                }
                if (active.Rule.HangSeconds > 0) hang = TimeSpan.FromSeconds(Math.Max(hang.TotalSeconds, active.Rule.HangSeconds));
                error ??= active.Rule.ErrorCode;
                if (verb == "watch" && active.Rule.DropWatchAfterSeconds is { } after) drop ??= TimeSpan.FromSeconds(after);
            }
            return new FaultDecision(hang, error, drop);
        }
    }

    private void Expire()
    {
        var now = time.GetUtcNow();
        _rules.RemoveAll(r => r.Until is { } until && now >= until);
    }
}
