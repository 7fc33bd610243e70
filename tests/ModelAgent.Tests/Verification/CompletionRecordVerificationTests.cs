using System.Security.Cryptography;
using Microsoft.Extensions.Time.Testing;
using ModelAgent.Completion;
using ModelAgent.Tests.Support;
using ModelAgent.Verification;
using static ModelAgent.Tests.Verification.SyntheticModel;

namespace ModelAgent.Tests.Verification;

/// <summary>The completion record decides first: sizes by stat, digests with --deep; adoption writes one.</summary>
public class CompletionRecordVerificationTests
{
    private static readonly FakeTimeProvider Clock = new(new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.Zero));

    /// <summary>Four files of random bytes and a record with their sizes and sha256 digests.</summary>
    private static async Task<Dictionary<string, byte[]>> RecordedModelAsync(string directory)
    {
        var files = new Dictionary<string, byte[]>
        {
            ["config.json"] = "{\"model_type\":\"llama\"}"u8.ToArray(),
            ["model-00001-of-00003.safetensors"] = RandomNumberGenerator.GetBytes(300_000),
            ["model-00002-of-00003.safetensors"] = RandomNumberGenerator.GetBytes(200_000),
            ["sub/model-00003-of-00003.safetensors"] = RandomNumberGenerator.GetBytes(100_000),
        };
        foreach (var (name, bytes) in files)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(directory, name))!);
            await File.WriteAllBytesAsync(Path.Combine(directory, name), bytes);
        }
        await CompletionRecordStore.WriteAsync(directory, new CompletionRecord
        {
            FormatVersion = CompletionRecord.CurrentFormatVersion,
            Source = "hf://org/model@main",
            Revision = new string('a', 40),
            Files = [.. files.Select(f
                => new RecordedFile(f.Key, f.Value.Length, $"sha256:{Convert.ToHexStringLower(SHA256.HashData(f.Value))}"))],
            WrittenBy = new RecordWriter("model-agent/test", "node-1", Clock.GetUtcNow()),
            Layout = "sharded",
        }, CancellationToken.None);
        return files;
    }

    [Fact]
    public async Task A_matching_record_decides_without_the_layout_rules()
    {
        using var dir = new TempDirectory();
        await RecordedModelAsync(dir.Path); // no index: the layout rules would say incomplete
        var verdict = await InspectAsync(dir.Path);
        AssertComplete(verdict);
        Assert.True(verdict.FromRecord);
        Assert.Equal(Layouts.Record, verdict.Layout);
        Assert.Equal("sharded", verdict.RecordedLayout);
        Assert.Equal(4, verdict.FilesChecked.Count);
        Assert.False(verdict.Adoptable);
    }

    [Fact]
    public async Task A_size_that_disagrees_is_named()
    {
        using var dir = new TempDirectory();
        await RecordedModelAsync(dir.Path);
        await File.AppendAllTextAsync(Path.Combine(dir.Path, "model-00002-of-00003.safetensors"), "x");
        AssertIncomplete(await InspectAsync(dir.Path),
            "'model-00002-of-00003.safetensors' is 200001 bytes, the completion record says 200000");
    }

    [Fact]
    public async Task A_missing_recorded_file_is_named()
    {
        using var dir = new TempDirectory();
        await RecordedModelAsync(dir.Path);
        File.Delete(Path.Combine(dir.Path, "sub", "model-00003-of-00003.safetensors"));
        AssertIncomplete(await InspectAsync(dir.Path),
            "'sub/model-00003-of-00003.safetensors' is missing (listed in the completion record)");
    }

    [Fact]
    public async Task Deep_names_the_file_whose_content_differs()
    {
        using var dir = new TempDirectory();
        var files = await RecordedModelAsync(dir.Path);
        var path = Path.Combine(dir.Path, "model-00002-of-00003.safetensors");
        var bytes = files["model-00002-of-00003.safetensors"];
        bytes[123_456] ^= 0xFF; // same size: only a content hash can tell
        await File.WriteAllBytesAsync(path, bytes);
        var expected =
            Convert.ToHexStringLower(
            SHA256.HashData(files["model-00002-of-00003.safetensors"].Select((b, i) => i == 123_456 ? (byte)(b ^ 0xFF) : b).ToArray()));
        var found = Convert.ToHexStringLower(SHA256.HashData(bytes));

        AssertComplete(await InspectAsync(dir.Path)); // the fast check cannot see it
        var verdict = await InspectAsync(dir.Path, deep: true);
        AssertIncomplete(verdict,
            $"'model-00002-of-00003.safetensors' sha256 differs from the completion record: expected {expected}, found {found}");
        Assert.Single(verdict.Reasons);
        Assert.Equal(600_000 + 22, verdict.BytesHashed);
    }

    [Fact]
    public async Task Deep_passes_when_every_digest_matches_whatever_the_parallelism()
    {
        using var dir = new TempDirectory();
        await RecordedModelAsync(dir.Path);
        foreach (var parallelism in new[] { 1, 2, 8 })
        {
            var verdict = await new CompletenessCheck()
                .InspectAsync(dir.Path, new InspectOptions { Deep = true, Parallelism = parallelism }, CancellationToken.None);
            AssertComplete(verdict);
            Assert.True(verdict.Deep);
        }
    }

    [Fact]
    public async Task A_large_record_is_checked_in_parallel_and_reports_in_record_order()
    {
        using var dir = new TempDirectory();
        var files = Enumerable.Range(0, 600).Select(i => new RecordedFile($"d{i % 7}/f{i:D4}.bin", i, null)).ToList();
        foreach (var file in files)
        {
            Directory.CreateDirectory(Path.Combine(dir.Path, Path.GetDirectoryName(file.Path)!));
            await File.WriteAllBytesAsync(Path.Combine(dir.Path, file.Path), new byte[file.Size]);
        }
        await CompletionRecordStore.WriteAsync(dir.Path, new CompletionRecord
        {
            FormatVersion = 1, Source = "x", Files = files, WrittenBy = new RecordWriter("t", "n", Clock.GetUtcNow()),
        }, CancellationToken.None);
        AssertComplete(await InspectAsync(dir.Path));

        File.Delete(Path.Combine(dir.Path, files[599].Path));
        File.Delete(Path.Combine(dir.Path, files[3].Path));
        await File.AppendAllTextAsync(Path.Combine(dir.Path, files[300].Path), "x");
        var verdict = await InspectAsync(dir.Path);
        Assert.Equal([
            $"'{files[3].Path}' is missing (listed in the completion record)",
            $"'{files[300].Path}' is 301 bytes, the completion record says 300",
            $"'{files[599].Path}' is missing (listed in the completion record)",
        ], verdict.Reasons);
    }

    [Fact]
    public async Task A_record_of_an_unknown_format_version_is_not_trusted()
    {
        using var dir = new TempDirectory();
        Sharded(dir.Path);
        dir.File(".model-agent/manifest.json",
            """{"formatVersion": 2, "source": "x", "files": [], "writtenBy": {"tool": "t", "node": "n", "at": "2030-01-01T00:00:00Z"}}""");
        var verdict = await InspectAsync(dir.Path);
        AssertIncomplete(verdict, "has format version 2; this agent reads version 1");
        Assert.True(verdict.FromRecord);
    }

    [Fact]
    public async Task A_corrupt_record_is_incomplete_not_ignored()
    {
        using var dir = new TempDirectory();
        Sharded(dir.Path);
        dir.File(".model-agent/manifest.json", "{\"formatVersion\": 1, \"files\": [");
        AssertIncomplete(await InspectAsync(dir.Path), ".model-agent/manifest.json: invalid JSON");
    }

    [Theory]
    [InlineData("../outside.bin")]
    [InlineData("/etc/passwd")]
    public async Task A_record_naming_a_path_outside_is_incomplete(string path)
    {
        using var dir = new TempDirectory();
        await CompletionRecordStore.WriteAsync(dir.Path, new CompletionRecord
        {
            FormatVersion = 1, Source = "x", Files = [new RecordedFile(path, 1, null)],
            WrittenBy = new RecordWriter("t", "n", Clock.GetUtcNow()),
        }, CancellationToken.None);
        AssertIncomplete(await InspectAsync(dir.Path), "the completion record names an unsafe path");
    }

    [Fact]
    public async Task Adoption_writes_a_record_that_the_next_check_trusts()
    {
        using var dir = new TempDirectory();
        Sharded(dir.Path);
        dir.File("tokenizer/vocab.json", "{}");
        var verdict = await InspectAsync(dir.Path);
        Assert.True(verdict.Adoptable);

        var result = await new ModelAdoption(Clock)
            .AdoptAsync(dir.Path, verdict, computeDigests: false, parallelism: 2, CancellationToken.None);

        Assert.True(result.Written, result.Problem);
        var record = CompletionRecordStore.Read(dir.Path).Record!;
        Assert.True(record.Adopted);
        Assert.Equal("sharded", record.Layout);
        Assert.Equal(Clock.GetUtcNow(), record.WrittenBy.At);
        Assert.Equal(
            ["config.json", "model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors", "model-00003-of-00003.safetensors",
            "model.safetensors.index.json", "tokenizer/vocab.json"],
            record.Files.Select(f => f.Path));
        Assert.All(record.Files, f => Assert.Null(f.Digest));
        Assert.Equal(new FileInfo(Path.Combine(dir.Path, "model-00001-of-00003.safetensors")).Length, record.Files[1].Size);

        var next = await InspectAsync(dir.Path);
        AssertComplete(next);
        Assert.True(next.FromRecord);
        Assert.True(next.RecordAdopted);

        var deep = await InspectAsync(dir.Path, deep: true);
        AssertComplete(deep);
        Assert.Contains(deep.Notes, n => n.Contains("6 file(s) have no digest", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Adoption_with_digests_lets_deep_catch_a_changed_byte()
    {
        using var dir = new TempDirectory();
        SingleFile(dir.Path, size: 64 * 1024);
        var verdict = await InspectAsync(dir.Path);
        var result = await new ModelAdoption(Clock)
            .AdoptAsync(dir.Path, verdict, computeDigests: true, parallelism: 2, CancellationToken.None);
        Assert.True(result.Written, result.Problem);
        var weights = CompletionRecordStore.Read(dir.Path).Record!.Files.Single(f => f.Path == "model.safetensors");
        Assert.Equal("sha256:" + Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(dir.Path, "model.safetensors")))),
            weights.Digest);

        await using (var stream = new FileStream(Path.Combine(dir.Path, "model.safetensors"), FileMode.Open))
        {
            stream.Position = 50_000;
            stream.WriteByte(7);
        }
        AssertIncomplete(await InspectAsync(dir.Path, deep: true), "'model.safetensors' sha256 differs from the completion record");
    }

    [Fact]
    public async Task Adoption_refuses_an_incomplete_or_already_recorded_directory()
    {
        using var dir = new TempDirectory();
        dir.File("config.json", Config);
        var incomplete = await InspectAsync(dir.Path);
        var refused = await new ModelAdoption(Clock).AdoptAsync(dir.Path, incomplete, false, 1, CancellationToken.None);
        Assert.False(refused.Written);
        Assert.Contains("not complete by the layout rules", refused.Problem);
        Assert.False(File.Exists(CompletionRecordStore.PathFor(dir.Path)));
    }

    [Fact]
    public async Task Adoption_refuses_a_symlink_that_leads_outside()
    {
        using var outside = new TempDirectory("outside");
        using var dir = new TempDirectory();
        Sharded(dir.Path);
        File.CreateSymbolicLink(Path.Combine(dir.Path, "extra.txt"), outside.File("secret.txt", "x"));
        var verdict = await InspectAsync(dir.Path);
        AssertComplete(verdict); // extra.txt is not part of the layout
        var result = await new ModelAdoption(Clock).AdoptAsync(dir.Path, verdict, false, 1, CancellationToken.None);
        Assert.False(result.Written);
        Assert.Contains("'extra.txt' leads outside the model directory", result.Problem);
    }
}
