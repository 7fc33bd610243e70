using ModelAgent.Kubernetes.Agent.Reuse;
using ModelAgent.Kubernetes.Ome;
using ModelAgent.Reconcile;

namespace ModelAgent.Tests.Kubernetes.Agent;

/// <summary>downloadPolicy ReuseIfExists: link to another model's complete copy of the commit, bookkept as OME does.</summary>
public class ReconcileReuseTests
{
    [Fact]
    public async Task A_model_of_a_commit_already_here_links_to_it_and_the_files_stay_while_it_links()
    {
        await using var rig = await ReconcileRig.StartAsync();
        var basePath = Path.Combine(rig.Root.Path, "base");
        var parent = ReconcileRig.Model("base", basePath);
        rig.State.Set(parent);
        await rig.ReconcileAsync(parent);
        var childPath = Path.Combine(rig.Root.Path, "child");
        var child = ReconcileRig.Model("child", childPath);
        child.Spec = child.Spec with { Storage = child.Spec.Storage! with { DownloadPolicy = StorageSpec.ReuseIfExists } };
        rig.State.Set(child);
        (string Source, string Commit, int Candidates)? asked = null;
        rig.Parts.TryLink = (source, commit, destination, candidates) =>
        {
            asked = (source, commit, candidates.Count);
            File.CreateSymbolicLink(destination, "base");
            return new ReuseDecision.Linked(parent.Reference, basePath);
        };

        Assert.IsType<ReconcileResult.RequeueAfter>(await rig.ReconcileAsync(child));

        Assert.Equal(("hf://org/llama", FakePullService.Commit, 1), asked);
        Assert.Equal((1, 1), (rig.Pulls.Downloads, rig.Pulls.CommitRequests)); // only the parent was downloaded
        Assert.Equal("Ready", await rig.LabelAsync(child));
        var childArtifact = (await rig.EntryAsync(child))!.Config!.Artifact;
        Assert.Equal(FakePullService.Commit, childArtifact.Sha);
        Assert.Equal(new Dictionary<string, string> { ["default.basemodel.base"] = basePath }, childArtifact.ParentPath);
        Assert.Equal([childPath], (await rig.EntryAsync(parent))!.Config!.Artifact.ChildrenPaths);

        // The parent's own reconcile keeps the children other models added.
        await rig.RefreshNodeAsync();
        rig.Restart();
        await rig.ReconcileAsync(parent);
        Assert.Equal([childPath], (await rig.EntryAsync(parent))!.Config!.Artifact.ChildrenPaths);

        // Deleting the parent keeps the files the child links to; deleting the child then takes the link and them.
        rig.State.Set(parent, gone: true);
        Assert.IsType<ReconcileResult.Done>(await rig.ReconcileAsync(parent));
        Assert.Null(await rig.EntryAsync(parent));
        Assert.True(File.Exists(Path.Combine(childPath, "weights.bin")));

        await rig.RefreshNodeAsync();
        rig.State.Set(child, gone: true);
        Assert.IsType<ReconcileResult.Done>(await rig.ReconcileAsync(child));
        Assert.Null(await rig.EntryAsync(child));
        Assert.False(File.Exists(childPath) || Directory.Exists(childPath));
        Assert.False(Directory.Exists(basePath));
    }

    private static async Task<(BaseModel Parent, BaseModel Child, string BasePath, string ChildPath)> LinkedAsync(ReconcileRig rig)
    {
        var basePath = Path.Combine(rig.Root.Path, "base");
        var parent = ReconcileRig.Model("base", basePath);
        rig.State.Set(parent);
        await rig.ReconcileAsync(parent);
        var childPath = Path.Combine(rig.Root.Path, "child");
        var child = ReconcileRig.Model("child", childPath);
        child.Spec = child.Spec with { Storage = child.Spec.Storage! with { DownloadPolicy = StorageSpec.ReuseIfExists } };
        rig.State.Set(child);
        rig.Parts.TryLink = (_, _, destination, _) =>
        {
            File.CreateSymbolicLink(destination, "base");
            return new ReuseDecision.Linked(parent.Reference, basePath);
        };
        Assert.IsType<ReconcileResult.RequeueAfter>(await rig.ReconcileAsync(child));
        await rig.RefreshNodeAsync();
        return (parent, child, basePath, childPath);
    }

    [Fact]
    public async Task A_restart_keeps_a_link_to_a_complete_copy_of_the_same_uri_without_asking_the_origin_or_writing()
    {
        await using var rig = await ReconcileRig.StartAsync();
        var (_, child, _, _) = await LinkedAsync(rig);
        var before = (await rig.EntryAsync(child))!.ToJson();

        rig.Restart();
        rig.Server.Stats.Reset();
        Assert.IsType<ReconcileResult.RequeueAfter>(await rig.ReconcileAsync(child));

        Assert.Equal((0, 0, 0), (rig.Pulls.Pulls, rig.Pulls.CommitRequests, (int)rig.Writes()));
        Assert.Equal(before, (await rig.EntryAsync(child))!.ToJson());
    }

    [Fact]
    public async Task A_policy_flipped_back_to_AlwaysDownload_replaces_the_link_by_a_download_and_leaves_the_parents_files_alone()
    {
        await using var rig = await ReconcileRig.StartAsync();
        var (parent, child, basePath, childPath) = await LinkedAsync(rig);
        var parentRecord = await File.ReadAllTextAsync(Path.Combine(basePath, ".model-agent", "manifest.json"));
        var always = child with { Spec = child.Spec with { Storage = child.Spec.Storage! with { DownloadPolicy = null } } };
        rig.State.Set(always);
        // A pull through the link would see the parent's complete record and write nothing of its own.
        rig.Pulls.Download = (request, _, _) =>
        {
            Assert.Null(new FileInfo(request.Destination).LinkTarget);
            return Task.CompletedTask;
        };

        Assert.IsType<ReconcileResult.RequeueAfter>(await rig.ReconcileAsync(always));

        Assert.Null(new FileInfo(childPath).LinkTarget);
        Assert.True(File.Exists(Path.Combine(childPath, "weights.bin")));
        Assert.Equal(parentRecord, await File.ReadAllTextAsync(Path.Combine(basePath, ".model-agent", "manifest.json")));
        Assert.Empty((await rig.EntryAsync(parent))!.Config!.Artifact.ChildrenPaths!);
        Assert.Equal(new Dictionary<string, string> { ["default.basemodel.child"] = childPath },
            (await rig.EntryAsync(always))!.Config!.Artifact.ParentPath);
    }
}
