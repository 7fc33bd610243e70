using ModelAgent.Completion;
using ModelAgent.Kubernetes.Agent.Reuse;
using ModelAgent.Kubernetes.Ome;
using ModelAgent.Tests.Support;

namespace ModelAgent.Tests.Kubernetes.Agent.Reuse;

/// <summary>
/// Artifact reuse on real directories, completion records and links: a candidate complete at the requested commit of
/// the same repository becomes the target of a relative link; every other candidate is refused with a reason; a real
/// directory or file at the destination is never removed; a link pointing elsewhere is replaced.
/// </summary>
public sealed class ArtifactReuseTests : IDisposable
{
    private const string Commit = "1111111111111111111111111111111111111111";
    private const string DefaultBranchCommit = "2222222222222222222222222222222222222222";
    private static readonly ModelReference ParentModel = ModelReference.ClusterBaseModel("llama-parent");
    private static readonly ModelReference OtherModel = ModelReference.BaseModel("team-a", "llama-other");

    private readonly TempDirectory _temp = new("reuse");
    private readonly CapturingLogger _log = new();

    public void Dispose() => _temp.Dispose();

    private string Root => Path.Combine(_temp.Path, "models");

    private string InRoot(string name) => Path.Combine(Root, name);

    private ArtifactReuse Reuse() => new(new LoggerFor<ArtifactReuse>(_log));

    /// <summary>A downloaded model: two files and the completion record listing them with their sizes.</summary>
    private async Task<string> CompleteModelAsync(
        string name, string source = "hf://org/llama@main", string revision = Commit, IReadOnlyList<string>? include = null,
        bool adopted = false)
    {
        var dir = InRoot(name);
        _temp.File($"models/{name}/config.json", """{"model_type":"llama"}""");
        _temp.File($"models/{name}/model.safetensors", "weights of " + name);
        await CompletionRecordStore.WriteAsync(dir, new CompletionRecord
        {
            FormatVersion = CompletionRecord.CurrentFormatVersion,
            Source = source,
            Revision = revision,
            Files =
            [
                new RecordedFile("config.json", new FileInfo(Path.Combine(dir, "config.json")).Length, null),
                new RecordedFile("model.safetensors", new FileInfo(Path.Combine(dir, "model.safetensors")).Length, null),
            ],
            WrittenBy = new RecordWriter("test", "node-1", DateTimeOffset.UnixEpoch),
            Include = include,
            Adopted = adopted,
        }, CancellationToken.None);
        return dir;
    }

    private static string WhyNot(ReuseDecision decision) => Assert.IsType<ReuseDecision.NotReused>(decision).Why;

    [Fact]
    public async Task A_complete_candidate_at_the_requested_commit_becomes_the_target_of_a_relative_link()
    {
        var parent = await CompleteModelAsync("parent");
        var destination = Path.Combine(Root, "team-a", "child");

        var decision = Reuse().TryLink("hf://org/llama", Commit, destination, [new ReuseCandidate(ParentModel, parent)]);

        Assert.Equal(new ReuseDecision.Linked(ParentModel, parent), decision);
        Assert.Equal("../parent", new FileInfo(destination).LinkTarget);
        Assert.Equal("weights of parent", File.ReadAllText(Path.Combine(destination, "model.safetensors")));
        // Through the link the record still says complete: the child is served the parent's verified files.
        var record = CompletionRecordStore.Read(destination).Record!;
        Assert.Empty(RecordCheck.Compare(destination, record));
        Assert.Contains(_log.Lines, l => l.Contains($"links to {ParentModel}'s files", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_same_repository_at_another_commit_is_not_reused_even_when_the_default_branch_matches()
    {
        // The candidate holds the default branch's commit; the model asks for a revision at another commit. OME compared
        // the default branch's sha for both and would have linked them.
        var parent = await CompleteModelAsync("parent", revision: DefaultBranchCommit);
        var destination = InRoot("child");

        var why = WhyNot(Reuse().TryLink("hf://org/llama", Commit, destination, [new ReuseCandidate(ParentModel, parent)]));

        Assert.Contains($"no other model on this node holds hf://org/llama at {Commit}", why, StringComparison.Ordinal);
        Assert.False(Path.Exists(destination));
        Assert.Contains(_log.Lines, l => l.Contains($"holds commit {DefaultBranchCommit}, not {Commit}", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Another_repository_an_adopted_a_partial_selection_and_an_incomplete_copy_are_refused()
    {
        var candidates = new[]
        {
            new ReuseCandidate(ModelReference.ClusterBaseModel("other-repo"), await CompleteModelAsync("a", source: "hf://org/qwen@main")),
            new ReuseCandidate(ModelReference.ClusterBaseModel("adopted"), await CompleteModelAsync("b", adopted: true)),
            new ReuseCandidate(ModelReference.ClusterBaseModel("selection"), await CompleteModelAsync("c", include: ["*.json"])),
            new ReuseCandidate(ModelReference.ClusterBaseModel("incomplete"), await CompleteModelAsync("d")),
            new ReuseCandidate(ModelReference.ClusterBaseModel("missing"), InRoot("e")),
        };
        File.AppendAllText(Path.Combine(InRoot("d"), "model.safetensors"), " and a torn write");
        var destination = InRoot("child");

        WhyNot(Reuse().TryLink("hf://org/llama", Commit, destination, candidates));

        Assert.False(Path.Exists(destination));
        var log = _log.All;
        Assert.Contains("holds hf://org/qwen@main, another repository", log, StringComparison.Ordinal);
        Assert.Contains("was adopted", log, StringComparison.Ordinal);
        Assert.Contains("only a selection", log, StringComparison.Ordinal);
        Assert.Contains("is not complete any more: 'model.safetensors' is", log, StringComparison.Ordinal);
        Assert.Contains($"nothing at {InRoot("e")}", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_real_directory_with_files_at_the_destination_is_never_removed_for_a_link()
    {
        var parent = await CompleteModelAsync("parent");
        var partial = _temp.File("models/child/model.safetensors.partial", "half a download");

        var why = WhyNot(Reuse().TryLink("hf://org/llama", Commit, InRoot("child"), [new ReuseCandidate(ParentModel, parent)]));

        Assert.Contains("never removed to place a link", why, StringComparison.Ordinal);
        Assert.Equal("half a download", File.ReadAllText(partial));
        Assert.Null(new DirectoryInfo(InRoot("child")).LinkTarget);
    }

    [Fact]
    public async Task A_file_at_the_destination_is_never_removed_and_an_empty_directory_is_replaced()
    {
        var parent = await CompleteModelAsync("parent");
        var file = _temp.File("models/file-model", "a single-file model");
        Directory.CreateDirectory(InRoot("empty"));
        var candidates = new[] { new ReuseCandidate(ParentModel, parent) };

        Assert.Contains("a regular file", WhyNot(Reuse().TryLink("hf://org/llama", Commit, file, candidates)), StringComparison.Ordinal);
        Assert.Equal("a single-file model", File.ReadAllText(file));

        Assert.IsType<ReuseDecision.Linked>(Reuse().TryLink("hf://org/llama", Commit, InRoot("empty"), candidates));
        Assert.Equal("parent", new DirectoryInfo(InRoot("empty")).LinkTarget);
    }

    [Fact]
    public async Task A_link_pointing_elsewhere_is_replaced_and_its_old_target_is_kept()
    {
        var parent = await CompleteModelAsync("parent");
        var old = await CompleteModelAsync("old", revision: DefaultBranchCommit);
        var destination = InRoot("child");
        Directory.CreateSymbolicLink(destination, "old");

        var decision = Reuse().TryLink("hf://org/llama", Commit, destination, [new ReuseCandidate(ParentModel, parent)]);

        Assert.IsType<ReuseDecision.Linked>(decision);
        Assert.Equal("parent", new DirectoryInfo(destination).LinkTarget);
        Assert.Equal("weights of old", File.ReadAllText(Path.Combine(old, "model.safetensors")));
        Assert.Equal(["child", "old", "parent"], Directory.GetFileSystemEntries(Root).Select(Path.GetFileName).Order());
    }

    [Fact]
    public async Task A_link_already_at_the_parent_is_kept_as_it_is()
    {
        var parent = await CompleteModelAsync("parent");
        var destination = InRoot("child");
        Directory.CreateSymbolicLink(destination, "parent");
        var before = File.GetLastWriteTimeUtc(Root);
        var entries = Directory.GetFileSystemEntries(Root).Order().ToArray();

        var decision = Reuse().TryLink("hf://org/llama", Commit, destination, [new ReuseCandidate(ParentModel, parent)]);

        Assert.IsType<ReuseDecision.Linked>(decision);
        Assert.Equal(entries, Directory.GetFileSystemEntries(Root).Order());
        Assert.Equal("parent", new DirectoryInfo(destination).LinkTarget);
        Assert.Equal(before, File.GetLastWriteTimeUtc(Root));
    }

    [Fact]
    public async Task A_candidate_that_is_itself_a_link_is_skipped_so_links_never_chain()
    {
        var parent = await CompleteModelAsync("parent");
        Directory.CreateSymbolicLink(InRoot("a-child"), "parent");
        var candidates = new[] { new ReuseCandidate(OtherModel, InRoot("a-child")), new ReuseCandidate(ParentModel, parent) };

        var decision = Reuse().TryLink("hf://org/llama", Commit, InRoot("z-new"), candidates);

        Assert.Equal(new ReuseDecision.Linked(ParentModel, parent), decision);
        Assert.Equal("parent", new DirectoryInfo(InRoot("z-new")).LinkTarget);
    }

    [Fact]
    public async Task Children_are_the_candidates_whose_path_is_a_link_resolving_to_the_path()
    {
        var parent = await CompleteModelAsync("parent");
        var other = await CompleteModelAsync("other");
        Directory.CreateSymbolicLink(InRoot("relative-child"), "parent");
        Directory.CreateSymbolicLink(InRoot("absolute-child"), parent + "/");
        Directory.CreateSymbolicLink(InRoot("chained-child"), "relative-child");
        Directory.CreateSymbolicLink(InRoot("elsewhere"), "other");
        var candidates = new[] { "relative-child", "absolute-child", "chained-child", "elsewhere", "other", "parent", "missing" }
            .Select(name => new ReuseCandidate(ModelReference.ClusterBaseModel(name), InRoot(name))).ToList();

        var children = Reuse().ChildrenOf(parent + "/", candidates);

        Assert.Equal(["relative-child", "absolute-child", "chained-child"], children.Select(c => c.Model.Name));
        Assert.Empty(Reuse().ChildrenOf(other + "-gone", candidates));
    }

    [Fact]
    public void Childrens_paths_are_added_once_and_removed_in_order()
    {
        Assert.Equal(["/raid/a"], ChildrenPaths.With(null, "/raid/a"));
        Assert.Equal(["/raid/a", "/raid/b"], ChildrenPaths.With(["/raid/a"], "/raid/b"));
        Assert.Equal(["/raid/a", "/raid/b"], ChildrenPaths.With(["/raid/a", "/raid/b"], "/raid/a/"));
        Assert.Equal(["/raid/b"], ChildrenPaths.Without(["/raid/a", "/raid/b", "/raid/a"], "/raid/a"));
        Assert.Equal([], ChildrenPaths.Without(null, "/raid/a"));
    }
}
