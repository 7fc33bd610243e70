using System.Globalization;

namespace ModelAgent.Cli.Demo;

/// <summary>The demo's figures: MiB with two decimals and ratios to the model size, the same in every demo.</summary>
internal static class DemoFormat
{
    public static string Mib(long bytes) => (bytes / 1048576.0).ToString("0.00", CultureInfo.InvariantCulture) + " MiB";

    public static string Ratio(long bytes, long model)
        => (model == 0 ? 0 : (double)bytes / model).ToString("0.00", CultureInfo.InvariantCulture) + "x";
}
