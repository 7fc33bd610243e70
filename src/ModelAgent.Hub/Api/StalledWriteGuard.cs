using Microsoft.AspNetCore.Http;

namespace ModelAgent.Hub.Api;

/// <summary>
/// Closes the connection when one write of a response body makes no progress for <see cref="HubLimits.WriteStallTimeout"/>:
/// a client that stopped reading. Kestrel's minimum data rate cannot catch it soon, since it averages over the whole
/// response and the first megabytes vanish into kernel buffers at full speed.
/// </summary>
internal sealed class StalledWriteGuard : IDisposable
{
    private readonly HttpContext _context;
    private readonly TimeSpan _stall;
    private readonly CancellationTokenSource _timer;
    private readonly CancellationTokenRegistration _abort;

    public StalledWriteGuard(HttpContext context, HubState state)
    {
        _context = context;
        _stall = state.Options.Limits.WriteStallTimeout;
        _timer = new CancellationTokenSource(Timeout.InfiniteTimeSpan, state.Options.Time);
        _abort = _timer.Token.Register(() =>
        {
            state.Stats.CountStalledReader();
            context.Abort();
        });
    }

    public async Task WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        _timer.CancelAfter(_stall);
        await _context.Response.Body.WriteAsync(data, cancellationToken);
        _timer.CancelAfter(Timeout.InfiniteTimeSpan);
    }

    public void Dispose()
    {
        _abort.Dispose();
        _timer.Dispose();
    }
}
