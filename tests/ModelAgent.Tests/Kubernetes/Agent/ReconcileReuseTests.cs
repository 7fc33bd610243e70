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
}
