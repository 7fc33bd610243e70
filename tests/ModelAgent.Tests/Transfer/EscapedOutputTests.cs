using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using ModelAgent.Cli;
using ModelAgent.Cli.Progress;
using ModelAgent.Tests.Storage;
using ModelAgent.Tests.Support;

namespace ModelAgent.Tests.Transfer;

/// <summary>
/// The last guards where lines are written: a message that reaches a view or a log call with a raw control or bidi
/// character (a lease holder, an exception text, a name someone forgot to escape) still leaves escaped.
/// </summary>
public sealed class EscapedOutputTests
{
    private const string Hostile = "node\u001b]0;owned\u0007-\u202Eevil\nforged";

    [Fact]
    public void Log_lines_are_escaped_and_structured_values_kept()
    {
        var inner = new CapturingLogger();
        using var factory = new EscapingLoggerFactory(new OneLoggerFactory(inner));

        factory.CreateLogger("test").LogWarning("Lease taken over by {Holder} while downloading", Hostile);

        var line = Assert.Single(inner.Lines);
        var message = line.Split(" | ")[0];
        DisplayNameTests.AssertPrintable(message);
        Assert.Contains("node\\u001B]0;owned\\u0007-\\u202Eevil\\nforged while downloading", message);
        Assert.Contains("Holder=" + Hostile, line); // the structured value is data, untouched
    }

    [Fact]
    public void Error_lines_of_the_text_views_are_escaped()
    {
        var time = new FakeTimeProvider();
        foreach (var make in new Func<TextWriter, IProgressView>[]
                 {
                     o => new LineProgressView(o, time, TimeSpan.FromSeconds(5)),
                     o => new TerminalProgressView(o, time),
                     o => new JsonProgressView(o, time, TimeSpan.FromSeconds(1)),
                 })
        {
            using var output = new StringWriter();
            make(output).Error($"waiting for {Hostile}", "transfer-failed");
            var text = output.ToString();
            Assert.Single(text.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            foreach (var line in text.Split('\n')) DisplayNameTests.AssertPrintable(line);
        }
    }

    private sealed class OneLoggerFactory(ILogger logger) : ILoggerFactory
    {
        public ILogger CreateLogger(string categoryName) => logger;
        public void AddProvider(ILoggerProvider provider) { }
        public void Dispose() { }
    }
}
