namespace ModelAgent.Cli.Progress;

/// <summary>Drives a view from the shared <see cref="ProgressState"/> on a timer, and prints finished files as they come.</summary>
internal sealed class ProgressReporter : IAsyncDisposable
{
    private readonly ProgressState _state;
    private readonly IProgressView _view;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public ProgressReporter(ProgressState state, IProgressView view, TimeProvider time, TimeSpan interval)
    {
        _state = state;
        _view = view;
        _loop = RunAsync(time, interval);
    }

    private async Task RunAsync(TimeProvider time, TimeSpan interval)
    {
        using var timer = new PeriodicTimer(interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
                Flush(final: false);
        }
        catch (OperationCanceledException) { }
    }

    private void Flush(bool final)
    {
        while (_state.TryTakeFinished(out var finished)) _view.FileFinished(finished.File, finished.Transferred);
        _view.Tick(_state, final);
    }

    /// <summary>Stops the timer and prints what is left (finished files, a last progress line).</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        Flush(final: true);
        _stop.Dispose();
    }
}
