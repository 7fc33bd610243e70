using System.Diagnostics;
using ModelAgent.Tests.Support;
using static ModelAgent.Tests.Verification.SyntheticModel;

namespace ModelAgent.Tests.Verification;

/// <summary>
/// Names from JSON are untrusted: absolute, "..", or leading outside through a symlink makes the model incomplete
/// and is never opened. "Never opened" is proven with a FIFO outside the directory: opening it would block.
/// </summary>
public class UntrustedNameTests
{
    [Theory]
    [InlineData("../model-00001-of-00001.safetensors")]
    [InlineData("/etc/passwd")]
    [InlineData("sub/../../x.safetensors")]
    [InlineData("C:/x.safetensors")]
    public async Task An_unsafe_shard_name_is_incomplete(string shard)
    {
        using var dir = new TempDirectory();
        dir.File("config.json", Config);
        WriteIndex(dir.Path, "model.safetensors.index.json", new Dictionary<string, string> { ["w"] = shard });
        AssertIncomplete(await InspectAsync(dir.Path), "model.safetensors.index.json (shard '" + shard + "') names an unsafe path");
    }

    [Fact]
    public async Task A_shard_symlinked_outside_is_incomplete_and_never_opened()
    {
        using var outside = new TempDirectory("outside");
        using var dir = new TempDirectory();
        Sharded(dir.Path);
        var fifo = Path.Combine(outside.Path, "trap");
        MakeFifo(fifo);
        var shard = Path.Combine(dir.Path, "model-00002-of-00003.safetensors");
        File.Delete(shard);
        File.CreateSymbolicLink(shard, fifo);

        // Opening the FIFO for reading would block until a writer comes; none ever does.
        var check = Task.Run(() => InspectAsync(dir.Path));
        var finished = await Task.WhenAny(check, Task.Delay(TimeSpan.FromSeconds(60)));
        if (finished != check) ReleaseFifo(fifo);
        Assert.True(finished == check, "the check opened the FIFO outside the model directory");

        AssertIncomplete(await check,
            "'model-00002-of-00003.safetensors' leads outside the model directory through the symlink 'model-00002-of-00003.safetensors'",
            "not opened");
    }

    [Fact]
    public async Task A_folder_symlinked_outside_is_incomplete()
    {
        using var outside = new TempDirectory("outside");
        using var dir = new TempDirectory();
        Diffusers(dir.Path);
        Directory.Move(Path.Combine(dir.Path, "unet"), Path.Combine(outside.Path, "unet"));
        Directory.CreateSymbolicLink(Path.Combine(dir.Path, "unet"), Path.Combine(outside.Path, "unet"));
        AssertIncomplete(await InspectAsync(dir.Path), "'unet' leads outside the model directory through the symlink 'unet'");
    }

    [Fact]
    public async Task A_symlink_that_stays_inside_is_followed()
    {
        using var dir = new TempDirectory();
        Sharded(dir.Path);
        var shard = Path.Combine(dir.Path, "model-00003-of-00003.safetensors");
        Directory.CreateDirectory(Path.Combine(dir.Path, "blobs"));
        File.Move(shard, Path.Combine(dir.Path, "blobs", "abc123"));
        File.CreateSymbolicLink(shard, "blobs/abc123");
        AssertComplete(await InspectAsync(dir.Path));
    }

    [Fact]
    public async Task A_model_directory_reached_through_a_symlink_is_checked_normally()
    {
        using var real = new TempDirectory("real");
        using var links = new TempDirectory("links");
        Sharded(real.Path);
        var link = Path.Combine(links.Path, "model");
        Directory.CreateSymbolicLink(link, real.Path);
        File.Delete(Path.Combine(real.Path, "model-00001-of-00003.safetensors"));
        File.CreateSymbolicLink(Path.Combine(real.Path, "model-00001-of-00003.safetensors"),
            Path.Combine(real.Path, "model-00002-of-00003.safetensors"));
        var verdict = await InspectAsync(link);
        // Inside (through the real path), so followed: the linked shard lacks shard 1's tensors.
        AssertIncomplete(verdict, "shard model-00001-of-00003.safetensors lacks 2 tensor(s)");
    }

    private static void MakeFifo(string path)
    {
        using var mkfifo = Process.Start(new ProcessStartInfo("mkfifo", [path]) { UseShellExecute = false })!;
        mkfifo.WaitForExit();
        Assert.Equal(0, mkfifo.ExitCode);
    }

    /// <summary>Unblocks a reader stuck on the FIFO so a failing test does not leave a hung thread behind.</summary>
    private static void ReleaseFifo(string path)
    {
        try { using var writer = new FileStream(path, FileMode.Open, FileAccess.Write); }
        catch (IOException) { }
    }
}
