namespace ModelAgent.Tests.Agent.EndToEnd.Support;

/// <summary>
/// Waits for a condition that real processes bring about in their own time, polling it. The bound is generous
/// (the machine is shared and loaded) and only ends a wait that would otherwise hang: no test asserts how long
/// anything took. On timeout the message says what was awaited and what the world looked like.
/// </summary>
internal static class Eventually
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(90);

    public static async Task HoldsAsync(Func<Task<bool>> condition, Func<Task<string>> describe, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? DefaultTimeout);
        while (true)
        {
            if (await condition()) return;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException(
                    $"waited {(timeout ?? DefaultTimeout).TotalSeconds:0} s for {what}; instead:\n{await describe()}");
            await Task.Delay(TimeSpan.FromMilliseconds(200));
        }
    }

    public static Task HoldsAsync(Func<bool> condition, Func<string> describe, string what, TimeSpan? timeout = null) =>
        HoldsAsync(() => Task.FromResult(condition()), () => Task.FromResult(describe()), what, timeout);
}
