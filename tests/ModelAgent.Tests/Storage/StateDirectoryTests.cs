using ModelAgent.Storage;
using ModelAgent.Tests.Support;
using ModelAgent.Tests.Verification.Properties;

namespace ModelAgent.Tests.Storage;

/// <summary>
/// <see cref="StateDirectory"/> on real files: our folders and files are reached without following links, a link or
/// a file of another kind where ours should be is refused by name, and a folder swapped for a link after it was opened
/// changes nothing, because every operation goes through the handle we hold.
/// </summary>
public sealed class StateDirectoryTests : IDisposable
{
    private readonly TempDirectory _root = new("state");
    private readonly SentinelFolder _sentinel;
    private readonly string _dest;

    public StateDirectoryTests()
    {
        _sentinel = new SentinelFolder(Path.Combine(_root.Path, "sentinel"));
        _dest = _root.Sub("model");
    }

    public void Dispose() => _root.Dispose();

    [Fact]
    public void A_link_where_our_folder_should_be_is_refused_naming_it_and_its_target_and_nothing_is_created_there()
    {
        Directory.CreateSymbolicLink(Path.Combine(_dest, ".model-agent"), _sentinel.Path);
        var before = _sentinel.Contents();

        var refused = Assert.Throws<UnsafeStateException>(() => StateDirectory.Open(_dest, [".model-agent", "partial"], create: true));

        Assert.Equal(Path.Combine(_dest, ".model-agent"), refused.Path);
        Assert.Contains($"'{Path.Combine(_dest, ".model-agent")}' is a symlink to '{_sentinel.Path}'", refused.Message);
        Assert.Contains("never follows links", refused.Message);
        Assert.Contains("remove it", refused.Message);
        Assert.Equal(before, _sentinel.Contents());
    }

    [Fact]
    public void A_link_one_level_down_is_refused_as_well_and_a_missing_folder_is_created_for_real()
    {
        Directory.CreateDirectory(Path.Combine(_dest, ".model-agent"));
        Directory.CreateSymbolicLink(Path.Combine(_dest, ".model-agent", "partial"), _sentinel.Path);
        var before = _sentinel.Contents();

        Assert.Throws<UnsafeStateException>(() => StateDirectory.Open(_dest, [".model-agent", "partial"], create: true));
        using (var leases = StateDirectory.Open(_dest, [".model-agent", "leases"], create: true))
            Assert.NotNull(leases);

        Assert.True(Directory.Exists(Path.Combine(_dest, ".model-agent", "leases")));
        Assert.Null(new DirectoryInfo(Path.Combine(_dest, ".model-agent", "leases")).LinkTarget);
        Assert.Equal(before, _sentinel.Contents());
    }

    [Fact]
    public void A_file_where_our_folder_should_be_is_refused_as_not_a_directory()
    {
        File.WriteAllText(Path.Combine(_dest, ".model-agent"), "x");

        var refused = Assert.Throws<UnsafeStateException>(() => StateDirectory.Open(_dest, [".model-agent"], create: true));

        Assert.Contains("is a regular file, not a directory", refused.Message);
    }

    [Fact]
    public void A_missing_folder_is_not_created_unless_asked()
    {
        Assert.Null(StateDirectory.Open(_dest, [".model-agent", "partial"], create: false));
        Assert.False(Directory.Exists(Path.Combine(_dest, ".model-agent")));
    }

    [Fact]
    public void Links_under_our_file_names_are_never_opened_written_or_created_through()
    {
        using var dir = StateDirectory.Open(_dest, [".model-agent"], create: true)!;
        var state = Path.Combine(_dest, ".model-agent");
        File.CreateSymbolicLink(Path.Combine(state, "manifest.json"), _sentinel.File1);
        File.CreateSymbolicLink(Path.Combine(state, "dangling.part"), Path.Combine(_sentinel.Path, "created-through-the-link"));
        var before = _sentinel.Contents();

        var read = Assert.Throws<UnsafeStateException>(() => dir.ReadAll("manifest.json"));
        Assert.Contains($"is a symlink to '{_sentinel.File1}'", read.Message);
        Assert.Throws<UnsafeStateException>(() => dir.OpenExisting("manifest.json", write: true));
        Assert.Throws<UnsafeStateException>(() => dir.CreateOrTruncate("manifest.json"));
        // O_CREAT | O_EXCL on a dangling link: the name is taken, nothing is created where it points.
        Assert.Equal(17, Assert.Throws<IOException>(() => dir.CreateNew("dangling.part")).HResult);
        Assert.Throws<UnsafeStateException>(() => dir.CreateOrTruncate("dangling.part"));

        Assert.Equal(before, _sentinel.Contents());
    }

    [Fact]
    public void A_fifo_under_our_file_name_is_refused_without_blocking_the_open()
    {
        using var dir = StateDirectory.Open(_dest, [".model-agent"], create: true)!;
        var fifo = Path.Combine(_dest, ".model-agent", "manifest.json");
        Fifos.Create(fifo);

        // Without O_NONBLOCK the read open would wait for a writer forever; the test's own timeout would end it.
        var refused = Assert.Throws<UnsafeStateException>(() => dir.ReadAll("manifest.json"));

        Assert.Contains("is a FIFO, not a regular file", refused.Message);
        Assert.False(Fifos.ReleaseReaders(fifo));
    }

    [Fact]
    public void Cleanup_deletes_regular_files_only_and_a_deleted_link_never_takes_its_target_along()
    {
        using var dir = StateDirectory.Open(_dest, [".model-agent", "partial"], create: true)!;
        var partial = Path.Combine(_dest, ".model-agent", "partial");
        File.WriteAllText(Path.Combine(partial, "a.1-dead.part"), "ours");
        File.CreateSymbolicLink(Path.Combine(partial, "b.1-dead.part"), _sentinel.File1);
        Directory.CreateSymbolicLink(Path.Combine(partial, "c.1-dead.part"), _sentinel.Path);
        Directory.CreateDirectory(Path.Combine(partial, "d.1-dead.part"));
        var before = _sentinel.Contents();

        Assert.True(dir.DeleteRegularFile("a.1-dead.part"));
        Assert.False(dir.DeleteRegularFile("b.1-dead.part"));
        Assert.False(dir.DeleteRegularFile("c.1-dead.part"));
        Assert.False(dir.DeleteRegularFile("d.1-dead.part"));
        Assert.True(dir.Delete("b.1-dead.part")); // the link itself

        Assert.Equal(["c.1-dead.part", "d.1-dead.part"], dir.List().Order(StringComparer.Ordinal));
        Assert.Equal(before, _sentinel.Contents());
    }

    [Fact]
    public void A_folder_swapped_for_a_link_after_it_was_opened_is_still_the_folder_we_use()
    {
        var partial = Path.Combine(_dest, ".model-agent", "partial");
        using var dir = StateDirectory.Open(_dest, [".model-agent", "partial"], create: true)!;
        File.WriteAllText(Path.Combine(partial, "x.1-aa.part"), "ours");
        // The race the handle defeats: between our open and our next use, the folder is moved away and a link to
        // the sentinel takes its name. A path-based call now would act on the sentinel.
        Directory.Move(partial, partial + ".moved");
        Directory.CreateSymbolicLink(partial, _sentinel.Path);
        var before = _sentinel.Contents();

        using (var created = dir.CreateNew("y.1-aa.part")) RandomAccess.Write(created, "new"u8, 0);
        Assert.Equal(["x.1-aa.part", "y.1-aa.part"], dir.List().Order(StringComparer.Ordinal));
        Assert.True(dir.TryMove("x.1-aa.part", "x.2-bb.part"));
        Assert.True(dir.DeleteRegularFile("y.1-aa.part"));
        var target = Path.Combine(_dest, "model.safetensors");
        dir.MoveOut("x.2-bb.part", target);
        dir.Flush();

        Assert.Equal("ours", File.ReadAllText(target));
        Assert.Empty(Directory.EnumerateFileSystemEntries(partial + ".moved"));
        Assert.Equal(before, _sentinel.Contents());
        // Opened afresh, the link is refused.
        Assert.Throws<UnsafeStateException>(() => StateDirectory.Open(_dest, [".model-agent", "partial"], create: false));
    }

    [Fact]
    public void Of_two_moves_to_one_free_name_exactly_one_wins_and_a_taken_name_is_never_replaced()
    {
        using var dir = StateDirectory.Open(_dest, [".model-agent", "partial"], create: true)!;
        var partial = Path.Combine(_dest, ".model-agent", "partial");
        File.WriteAllText(Path.Combine(partial, "a"), "a");
        File.WriteAllText(Path.Combine(partial, "b"), "b");

        Assert.True(dir.TryMove("a", "c"));
        Assert.False(dir.TryMove("b", "c"));
        Assert.Throws<FileNotFoundException>(() => dir.TryMove("a", "d"));

        Assert.Equal("a", File.ReadAllText(Path.Combine(partial, "c")));
        Assert.Equal("b", File.ReadAllText(Path.Combine(partial, "b")));
    }
}
