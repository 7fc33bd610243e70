using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace ModelAgent.Cli;

/// <summary>
/// Logs for commands: one line per decision, on stderr (stdout is the command's output), UTC timestamps, untrusted
/// text escaped (<see cref="EscapingLoggerFactory"/>).
/// </summary>
internal static class CliLogging
{
    public static readonly string[] Levels = ["trace", "debug", "information", "warning", "error", "none"];

    public static bool TryParseLevel(string? text, out LogLevel level)
    {
        level = LogLevel.Information;
        return text is null || Enum.TryParse(text, ignoreCase: true, out level) && Levels.Contains(text.ToLowerInvariant());
    }

    public static ILoggerFactory Create(LogLevel level) => new EscapingLoggerFactory(LoggerFactory.Create(builder => builder
        .SetMinimumLevel(level)
        .AddSimpleConsole(options =>
        {
            options.SingleLine = true;
            options.UseUtcTimestamp = true;
            options.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
            options.ColorBehavior = LoggerColorBehavior.Disabled;
        })
        .AddConsole(options => options.LogToStandardErrorThreshold = LogLevel.Trace)
        .AddFilter("System.Net.Http", LogLevel.Warning)));
}
