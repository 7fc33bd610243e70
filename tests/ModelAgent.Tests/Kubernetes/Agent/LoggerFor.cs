using Microsoft.Extensions.Logging;
using ModelAgent.Tests.Support;

namespace ModelAgent.Tests.Kubernetes.Agent;

/// <summary>A <see cref="CapturingLogger"/> as the typed logger a part asks for, so every line it logs is kept.</summary>
internal sealed class LoggerFor<T>(CapturingLogger inner) : ILogger<T>
{
    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => inner.BeginScope(state);

    public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception,
        Func<TState, Exception?, string> formatter) => inner.Log(logLevel, eventId, state, exception, formatter);
}
