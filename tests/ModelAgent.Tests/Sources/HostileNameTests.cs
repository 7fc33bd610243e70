using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ModelAgent.Tests.Storage;
using ModelAgent.Tests.Support;

namespace ModelAgent.Tests.Sources;

/// <summary>
/// An origin that lists names it must never get written or printed (issue 9 §2): git metadata whose config runs a
/// command on the next <c>git status</c>, our own state folder, and names carrying terminal escapes, NUL, bidi
/// overrides and newlines. Each case runs the real <c>model-agent pull</c> against a crafted hub on loopback that
/// would serve the file if asked: the pull must refuse the listing (exit 1, kind invalid-response), leave the
/// destination exactly as it was, and print the name escaped, never raw (checked on the undecoded output bytes).
/// </summary>
public sealed class HostileNameTests
{
    private const string FsmonitorConfig = "[core]\n\tfsmonitor = \"touch /tmp/model-agent-pwned\"\n";

    public static TheoryData<string, string, string> Cases => new()
    {
        { ".git/HEAD", "ref: refs/heads/main\n", "git metadata segment '.git'" },
        { ".git/config", FsmonitorConfig, "git metadata segment '.git'" },
        { ".git/refs/heads/main", CraftedHub.Commit + "\n", "git metadata segment '.git'" },
        { "sub/.git/config", FsmonitorConfig, "git metadata segment '.git'" },
        { ".GIT/config", FsmonitorConfig, "git metadata segment '.GIT'" },
        { ".model-agent/manifest.json", "{}", "inside the agent's own .model-agent/ directory" },
        {
            "evil\u001b]0;owned\u0007\u001b[2J.bin", "x",
            "'evil\\u001B]0;owned\\u0007\\u001B[2J.bin' contains a control character (U+001B)"
        },
        { "nul\u0000.bin", "x", "'nul\\u0000.bin' contains a control character (U+0000)" },
        { "weights\u202Ebin.exe", "x", "'weights\\u202Ebin.exe' contains a bidirectional text control (U+202E)" },
        { "first\nFORGED error: line.bin", "x", "'first\\nFORGED error: line.bin' contains a control character (U+000A)" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_hostile_name_in_the_listing_refuses_the_pull_writes_nothing_and_is_printed_escaped(
        string name, string content, string reason)
    {
        await using var origin = new CraftedHub(Files(name, content));
        using var root = new TempDirectory("hostile");
        var dest = Prepare(root.Path);
        var before = Contents(root.Path);

        var run = await PullAsync(origin, dest, "--log-level", "trace");

        Assert.True(run.ExitCode == 1, $"exit {run.ExitCode}\nstdout:\n{run.Stdout}\nstderr:\n{run.Stderr}");
        Assert.Contains("the file listing is unsafe, refusing the whole snapshot (nothing was written)", run.Stdout);
        Assert.Contains(reason, run.Stdout);
        Assert.Contains(reason, run.Stderr); // the log line of the failure
        Assert.DoesNotContain(run.Stdout.Split('\n').Concat(run.Stderr.Split('\n')), l => l.StartsWith("FORGED", StringComparison.Ordinal));
        AssertNothingWritten(root.Path, before);
        Assert.DoesNotContain(origin.Requests, r => r.Target.Contains("/resolve/"));
    }

    [Fact]
    public async Task Every_hostile_name_of_one_listing_is_named_in_the_json_error_event_escaped()
    {
        var files = new Dictionary<string, byte[]>(Files("unused", ""));
        files.Remove("unused");
        foreach (var row in Cases) files[(string)row[0]] = Encoding.UTF8.GetBytes((string)row[1]);
        await using var origin = new CraftedHub(files);
        using var root = new TempDirectory("hostile");
        var dest = Prepare(root.Path);
        var before = Contents(root.Path);

        var run = await PullAsync(origin, dest, "--json");

        Assert.Equal(1, run.ExitCode);
        var error = run.Stdout.Split('\n').Where(l => l.Length > 0).Select(l => JsonDocument.Parse(l).RootElement)
            .Single(e => e.GetProperty("event").GetString() == "error");
        Assert.Equal("invalid-response", error.GetProperty("kind").GetString());
        var message = error.GetProperty("message").GetString()!;
        DisplayNameTests.AssertPrintable(message);
        foreach (var row in Cases) Assert.Contains((string)row[2], message);
        AssertNothingWritten(root.Path, before);
    }

    /// <summary>A real model's two files plus the hostile one, so only the hostile name can be the reason.</summary>
    private static Dictionary<string, byte[]> Files(string name, string content) => new()
    {
        ["config.json"] = "{\"model_type\":\"llama\"}"u8.ToArray(),
        ["model.safetensors"] = RandomNumberGenerator.GetBytes(4096),
        [name] = Encoding.UTF8.GetBytes(content),
    };

    /// <summary>An existing destination with a sentinel, and a sibling folder the pull has no business in.</summary>
    private static string Prepare(string root)
    {
        var dest = Path.Combine(root, "model");
        Directory.CreateDirectory(Path.Combine(dest, "sub"));
        File.WriteAllText(Path.Combine(dest, "sentinel.txt"), "was here before the pull");
        Directory.CreateDirectory(Path.Combine(root, "outside"));
        File.WriteAllText(Path.Combine(root, "outside", "sentinel.txt"), "outside");
        return dest;
    }

    /// <summary>
    /// Nothing changed under <paramref name="root"/> but our own state folder, and that holds no byte from the origin:
    /// only folders, our writer lock and the released lease, whose failure message quotes the names escaped. No
    /// partial file, no record.
    /// </summary>
    private static void AssertNothingWritten(string root, string before)
    {
        const string state = "model/.model-agent";
        var after = Contents(root).Split('\n');
        var ours = after.Where(l => l.StartsWith(state + "/", StringComparison.Ordinal)).ToList();
        Assert.Equal(before, string.Join("\n", after.Except(ours)));
        foreach (var entry in ours.Where(l => !l.EndsWith('/')).Select(l => l.Split(' ')[0]))
        {
            var lease = entry.StartsWith(state + "/leases/", StringComparison.Ordinal) && entry.EndsWith(".json", StringComparison.Ordinal);
            Assert.True(lease || entry.EndsWith(".lock", StringComparison.Ordinal),
                $"the refused pull left {entry} in its state folder:\n{string.Join("\n", ours)}");
            if (lease) foreach (var line in File.ReadAllLines(Path.Combine(root, entry))) DisplayNameTests.AssertPrintable(line);
        }
    }

    /// <summary>Every entry under <paramref name="root"/> with its size and content digest, sorted.</summary>
    private static string Contents(string root) => string.Join("\n", Directory
        .EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories)
        .Select(p => (Relative: Path.GetRelativePath(root, p), Full: p))
        .OrderBy(p => p.Relative, StringComparer.Ordinal)
        .Select(p => File.Exists(p.Full)
            ? $"{p.Relative} {new FileInfo(p.Full).Length} {Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(p.Full)))}"
            : $"{p.Relative}/"));

    internal sealed record RawRun(int ExitCode, string Stdout, string Stderr);

    private static Task<RawRun> PullAsync(CraftedHub origin, string dest, params string[] extra) =>
        RunRawAsync(["pull", "hf://org/m", "--dest", dest, "--endpoint", origin.BaseAddress.ToString(),
            "--shared-storage", "no", .. extra]);

    /// <summary>
    /// Runs the real CLI and keeps stdout and stderr as bytes: <see cref="CliProcess"/> decodes and splits lines, which
    /// would hide a raw newline or an invalid byte. The bytes must be valid UTF-8 with no unsafe character but '\n'.
    /// </summary>
    internal static async Task<RawRun> RunRawAsync(IEnumerable<string> args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false,
        };
        info.ArgumentList.Add(RepositoryPaths.CliDll);
        foreach (var arg in args) info.ArgumentList.Add(arg);
        info.Environment.Remove("HF_TOKEN");
        info.Environment.Remove("HF_ENDPOINT");
        using var process = Process.Start(info)!;
        process.StandardInput.Close();
        var stdout = ReadAllAsync(process.StandardOutput.BaseStream);
        var stderr = ReadAllAsync(process.StandardError.BaseStream);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        try { await process.WaitForExitAsync(timeout.Token); }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("model-agent did not exit within 3 minutes");
        }
        return new RawRun(process.ExitCode, Decode(await stdout, "stdout"), Decode(await stderr, "stderr"));
    }

    private static async Task<byte[]> ReadAllAsync(Stream stream)
    {
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer);
        return buffer.ToArray();
    }

    private static string Decode(byte[] bytes, string which)
    {
        string text;
        try { text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes); }
        catch (DecoderFallbackException e) { throw new Xunit.Sdk.XunitException($"{which} is not valid UTF-8: {e.Message}"); }
        foreach (var line in text.Split('\n')) DisplayNameTests.AssertPrintable(line);
        return text;
    }
}
