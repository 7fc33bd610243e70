using System.Diagnostics;

namespace ModelAgent.Tests.Verification.Properties;

/// <summary>
/// Named pipes as detectors: opening one for reading blocks until a writer comes, so a check that opens one hangs
/// instead of finishing, and a non-blocking open for writing succeeds only while a reader has it open.
/// </summary>
internal static class Fifos
{
    public static void Create(string path) => Run("mkfifo", path);

    /// <summary>True when a reader had <paramref name="path"/> open (it is then released with end-of-file).</summary>
    public static bool ReleaseReaders(string path) => Run("dd", "if=/dev/null", $"of={path}", "oflag=nonblock", "status=none", check: false)
        == 0;

    private static int Run(string tool, params string[] arguments) => Run(tool, arguments, check: true);

    private static int Run(string tool, string a, string b, string c, string d, bool check) => Run(tool, [a, b, c, d], check);

    private static int Run(string tool, string[] arguments, bool check)
    {
        using var process = Process.Start(new ProcessStartInfo(tool, arguments) { RedirectStandardError = true })!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (check && process.ExitCode != 0) throw new IOException($"{tool} {string.Join(' ', arguments)} failed: {error}");
        return process.ExitCode;
    }
}
