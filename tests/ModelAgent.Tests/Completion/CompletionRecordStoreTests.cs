using ModelAgent.Completion;
using ModelAgent.Tests.Support;

namespace ModelAgent.Tests.Completion;

public class CompletionRecordStoreTests
{
    private static CompletionRecord Sample() => new()
    {
        FormatVersion = CompletionRecord.CurrentFormatVersion,
        Source = "hf://org/model@main",
        Revision = new string('a', 40),
        Files = [new RecordedFile("config.json", 12, "git-blob-sha1:" + new string('b', 40))],
        WrittenBy = new RecordWriter("model-agent/test", "node-1", DateTimeOffset.UnixEpoch),
    };

    [Fact]
    public async Task Round_trips_and_leaves_no_temp_files()
    {
        using var dir = new TempDirectory();
        await CompletionRecordStore.WriteAsync(dir.Path, Sample(), CancellationToken.None);
        var read = CompletionRecordStore.Read(dir.Path);
        Assert.Null(read.Problem);
        Assert.Equal(Sample().Files, read.Record!.Files);
        Assert.Single(Directory.GetFiles(Path.Combine(dir.Path, CompletionRecordStore.DirectoryName)));
    }

    [Fact]
    public void Missing_record_is_not_a_problem_and_garbage_is()
    {
        using var dir = new TempDirectory();
        Assert.Same(RecordRead.Missing, CompletionRecordStore.Read(dir.Path));
        dir.File(".model-agent/manifest.json", "{ \"formatVersion\": 1, ");
        Assert.Contains("invalid JSON", CompletionRecordStore.Read(dir.Path).Problem);
    }

    [Theory]
    [InlineData("sha256:" + "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", true)]
    [InlineData("git-blob-sha1:" + "0123456789abcdef0123456789abcdef01234567", true)]
    [InlineData("sha256:ABCDEF", false)]
    [InlineData("crc32:00000000", false)]
    [InlineData("nocolon", false)]
    public void Parses_only_well_formed_digests(string text, bool ok) =>
        Assert.Equal(ok, FileDigest.TryParse(text, out _));
}
