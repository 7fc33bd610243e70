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

    [Theory]
    [InlineData("a\u001b[2Jb.bin", "'a\\u001B[2Jb.bin' contains a control character (U+001B)")]
    [InlineData("nul\u0000.bin", "'nul\\u0000.bin' contains a control character (U+0000)")]
    [InlineData("c1\u009b.bin", "contains a control character (U+009B)")]
    [InlineData("x\u202Egpj.exe", "'x\\u202Egpj.exe' contains a bidirectional text control (U+202E)")]
    [InlineData("x\u2066y", "bidirectional text control (U+2066)")]
    [InlineData("x\u2028y", "line or paragraph separator")]
    [InlineData("back\\slash\u001b", "contains a control character")]
    public void Refuses_control_and_bidi_characters_and_shows_the_name_escaped(string name, string expected)
    {
        Assert.False(ModelRelativePath.TryCreate(name, out _, out var problem));
        Assert.Contains(expected, problem);
        DisplayNameTests.AssertPrintable(problem!);
    }

    [Theory]
    [InlineData(".git/HEAD", "git metadata segment '.git'")]
    [InlineData(".git", "git metadata segment '.git'")]
    [InlineData("sub/.git/config", "git metadata segment '.git'")]
    [InlineData("sub/.git", "git metadata segment '.git'")]
    [InlineData(".GIT/config", "git metadata segment '.GIT'")]
    [InlineData(".Git./config", "git metadata segment '.Git.'")]
    [InlineData(".git /config", "git metadata segment '.git '")]
    [InlineData("GIT~1/config", "git metadata segment 'GIT~1'")]
    [InlineData(".g\u200Cit/config", "git metadata segment '.g\\u200Cit'")]
    [InlineData(".model-agent/manifest.json", "inside the agent's own .model-agent/ directory")]
    [InlineData(".Model-Agent/partial/x.part", "inside the agent's own .model-agent/ directory")]
    [InlineData("sub/.model-agent/lease.json", "inside the agent's own .model-agent/ directory")]
    public void Reserved_names_are_valid_paths_but_not_for_an_origin_to_write(string name, string expected)
    {
        Assert.True(ModelRelativePath.TryCreate(name, out var path, out var problem), problem);
        Assert.Contains(expected, path!.ReservedProblem());
    }

    [Theory]
    [InlineData(".gitattributes")]
    [InlineData(".gitignore")]
    [InlineData("sub/.github/workflow.yml")]
    [InlineData("git/config")]
    [InlineData("my.git/config")]
    [InlineData(".model-agentx/a")]
    public void Names_that_only_resemble_reserved_ones_are_allowed(string name) =>
        Assert.Null(ModelRelativePath.Parse(name).ReservedProblem());

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
