using Microsoft.Extensions.Logging;
using ModelAgent.Storage;

namespace ModelAgent.Cli;

/// <summary>
/// The console logs' last guard: every formatted message goes through <see cref="DisplayName.Line"/>, so a name, a
/// server message or a lease holder that reached a log call unescaped still cannot carry a raw control or bidi
/// character to the terminal or forge a second log line. The structured state passes through unchanged.
/// </summary>
internal sealed class EscapingLoggerFactory(ILoggerFactory inner) : ILoggerFactory
{
    public ILogger CreateLogger(string categoryName) => new EscapingLogger(inner.CreateLogger(categoryName));

    public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

    public void Dispose() => inner.Dispose();

    private sealed class EscapingLogger(ILogger inner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception,
            Func<TState, Exception?, string> formatter) =>
            inner.Log(logLevel, eventId, state, exception, (s, e) => DisplayName.Line(formatter(s, e)));
    }
}
