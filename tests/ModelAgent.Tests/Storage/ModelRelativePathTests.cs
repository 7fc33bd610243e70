using ModelAgent.Storage;
using ModelAgent.Tests.Support;

namespace ModelAgent.Tests.Storage;

public class ModelRelativePathTests
{
    [Theory]
    [InlineData("config.json")]
    [InlineData("unet/diffusion_pytorch_model.safetensors")]
    [InlineData("a/b/c..d/e.bin")]
    public void Accepts_plain_relative_names(string name)
    {
        Assert.True(ModelRelativePath.TryCreate(name, out var path, out var problem), problem);
        Assert.Equal(name, path!.Value);
    }

    [Theory]
    [InlineData("/etc/passwd", "absolute")]
    [InlineData("../escape", "'..'")]
    [InlineData("a/../../b", "'..'")]
    [InlineData("a\\b", "backslash")]
    [InlineData("C:evil", "drive letter")]
    [InlineData("a//b", "empty path segment")]
    [InlineData("./a", "'.'")]
    [InlineData("", "empty")]
    [InlineData("a\nb", "control character")]
    public void Refuses_names_that_could_leave_the_directory(string name, string expected)
    {
        Assert.False(ModelRelativePath.TryCreate(name, out _, out var problem));
        Assert.Contains(expected, problem);
    }

    [Fact]
    public void A_symlink_leading_outside_is_reported_and_one_inside_is_not()
    {
        using var model = new TempDirectory("model");
        using var outside = new TempDirectory("outside");
        outside.File("secret.bin", "x");
        model.File("real/inside.bin", "y");
        File.CreateSymbolicLink(System.IO.Path.Combine(model.Path, "escape"), outside.Path);
        File.CreateSymbolicLink(System.IO.Path.Combine(model.Path, "alias"), "real");

        Assert.Contains("outside the model directory", ModelRelativePath.Parse("escape/secret.bin").ResolveInside(model.Path, out _));
        Assert.Null(ModelRelativePath.Parse("alias/inside.bin").ResolveInside(model.Path, out var full));
        Assert.Equal(System.IO.Path.Combine(model.Path, "alias/inside.bin"), full);
        Assert.Null(ModelRelativePath.Parse("not/yet/there.bin").ResolveInside(model.Path, out _));
    }
}
