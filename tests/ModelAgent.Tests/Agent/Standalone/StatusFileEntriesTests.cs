using Microsoft.Extensions.Logging.Abstractions;
using ModelAgent.Kubernetes.Ome;
using ModelAgent.Kubernetes.Reporting;
using ModelAgent.Kubernetes.Standalone;
using ModelAgent.Tests.Support;

namespace ModelAgent.Tests.Agent.Standalone;

/// <summary>The status file as the reconciler's entries: one key changed per write, the file whole, links refused.</summary>
public sealed class StatusFileEntriesTests
{
    private static readonly ModelReference Alpha = ModelReference.ClusterBaseModel("alpha");
    private static readonly ModelReference Beta = ModelReference.ClusterBaseModel("beta");

    private static StatusFileEntries For(string root) =>
        new(root, "node-1", TimeProvider.System, NullLogger<StatusFileEntries>.Instance);

    private static ModelConfigMapEntry Entry(string name, ModelNodeStatus status) => new() { Name = name, Status = status };

    [Fact]
    public async Task Writes_keep_other_keys_and_a_reader_sees_the_status_file_format()
    {
        using var root = new TempDirectory("status");
        var entries = For(root.Path);
        Assert.Equal(WriteOutcome.Written, (await entries.SetAsync(Alpha, _ => Entry("alpha", ModelNodeStatus.Ready), default)).Outcome);
        Assert.Equal(WriteOutcome.Written, (await entries.SetAsync(Beta, _ => Entry("beta", ModelNodeStatus.Updating), default)).Outcome);
        Assert.Equal(WriteOutcome.Unchanged,
            (await entries.SetAsync(Alpha, stored => stored!, default)).Outcome);
        Assert.Equal(WriteOutcome.Written, (await entries.RemoveAsync(Beta, default)).Outcome);
        Assert.Equal(WriteOutcome.Unchanged, (await entries.RemoveAsync(Beta, default)).Outcome);

        var path = Path.Combine(root.Path, ".model-agent", "status", "node-1.json");
        Assert.True(NodeStatusFile.TryParse(File.ReadAllBytes(path), out var file, out var error), error);
        Assert.Equal("node-1", file.Node);
        Assert.Equal(ModelNodeStatus.Ready, Assert.Single(file.Entries).Value.Status);
        Assert.Equal(["clusterbasemodel.alpha"], (await For(root.Path).ReadAllAsync(default)).Entries.Keys);
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(path)!, "*.tmp"));
    }

    [Fact]
    public async Task A_symlinked_status_folder_is_refused_and_nothing_is_written_through_it()
    {
        using var root = new TempDirectory("status-link");
        using var elsewhere = new TempDirectory("status-target");
        Directory.CreateDirectory(Path.Combine(root.Path, ".model-agent"));
        Directory.CreateSymbolicLink(Path.Combine(root.Path, ".model-agent", "status"), elsewhere.Path);

        var verdict = await For(root.Path).SetAsync(Alpha, _ => Entry("alpha", ModelNodeStatus.Ready), default);

        Assert.Equal(WriteOutcome.Failed, verdict.Outcome);
        Assert.Contains("status file", verdict.Reason, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(elsewhere.Path));
    }
}
