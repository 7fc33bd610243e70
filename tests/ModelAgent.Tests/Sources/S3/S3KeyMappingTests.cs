using ModelAgent.Sources.S3;

namespace ModelAgent.Tests.Sources.S3;

public sealed class S3KeyMappingTests
{
    [Theory]
    [InlineData("models/llama", "models/llama/")]
    [InlineData("models/llama/", "models/llama/")]
    [InlineData("", "")]
    public void PrefixIsTakenAsAFolder(string prefix, string expected) => Assert.Equal(expected, S3KeyMapping.FolderPrefix(prefix));

    [Fact]
    public void KeyBecomesThePathBelowThePrefix()
    {
        var path = S3KeyMapping.Map("m/", "m/sub/model.safetensors", out var problem);
        Assert.Null(problem);
        Assert.Equal("sub/model.safetensors", path!.Value);
    }

    [Fact]
    public void FolderMarkersAreNotFiles()
    {
        Assert.Null(S3KeyMapping.Map("m/", "m/sub/", out var problem));
        Assert.Null(problem);
    }

    [Theory]
    [InlineData("m/../escape.bin", "'..' segment")]
    [InlineData("m//etc/passwd", "absolute path")]
    [InlineData("m/a//b", "empty path segment")]
    [InlineData("m/a/./b", "'.' segment")]
    [InlineData("m/.git/config", ".git")]
    [InlineData("m/a\\b", "backslash")]
    public void UnsafeKeysAreRefusedNamingTheKey(string key, string why)
    {
        Assert.Null(S3KeyMapping.Map("m/", key, out var problem));
        Assert.NotNull(problem);
        Assert.Contains(why, problem);
        Assert.Contains(key.Replace("\\", "\\\\"), problem);
    }

    [Fact]
    public void ALeadingSlashKeyIsRefusedAtTheBucketRoot()
    {
        Assert.Null(S3KeyMapping.Map("", "/etc/passwd", out var problem));
        Assert.Contains("absolute path", problem);
    }

    [Fact]
    public void RevisionChangesWithAnyObjectsETagOrSize()
    {
        var a = new S3ObjectEntry("m/a", 10, "0123456789abcdef0123456789abcdef");
        var b = new S3ObjectEntry("m/b", 20, "fedcba9876543210fedcba9876543210-2");
        var revision = S3Listing.Revision([a, b]);
        Assert.Equal(revision, S3Listing.Revision([b, a]));
        Assert.NotEqual(revision, S3Listing.Revision([a, b with { ETag = "00000000000000000000000000000000-2" }]));
        Assert.NotEqual(revision, S3Listing.Revision([a with { Size = 11 }, b]));
    }
}
