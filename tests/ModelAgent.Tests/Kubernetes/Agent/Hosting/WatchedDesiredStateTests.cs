using k8s.Models;
using ModelAgent.Kubernetes.Agent.Hosting;
using ModelAgent.Kubernetes.Ome;
using ModelAgent.Kubernetes.Watch;

namespace ModelAgent.Tests.Kubernetes.Agent.Hosting;

/// <summary>
/// What <see cref="WatchedDesiredState"/> makes of watch changes: which ones ask for a run, and how gone models are kept.
/// </summary>
public sealed class WatchedDesiredStateTests
{
    private static BaseModel Model(string uri = "hf://org/m", string resourceVersion = "1", bool deleting = false,
        Dictionary<string, string>? labels = null) => new()
        {
            Metadata = new V1ObjectMeta
            {
                Name = "m", NamespaceProperty = "ome", ResourceVersion = resourceVersion, Labels = labels,
                DeletionTimestamp = deleting ? DateTime.UnixEpoch : null,
            },
            Spec = new BaseModelSpec { Storage = new StorageSpec { StorageUri = uri, Path = "/raid/models/m" } },
        };

    private static V1Node Node(params (string Key, string Value)[] labels) => new()
    {
        Metadata = new V1ObjectMeta { Name = "node-1", Labels = labels.ToDictionary(l => l.Key, l => l.Value) },
    };

    [Fact]
    public void Only_changes_a_reconcile_reads_ask_for_a_run_and_only_the_start_of_a_deletion_cancels()
    {
        var state = new WatchedDesiredState();
        Assert.Equal(ModelChange.Changed, state.Observe(ChangeKind.Added, Model()));
        var statusOnly = Model(resourceVersion: "2");
        statusOnly.Status = new ModelStatusSpec();
        Assert.Equal(ModelChange.Unchanged, state.Observe(ChangeKind.Updated, statusOnly));
        Assert.Equal(ModelChange.Changed, state.Observe(ChangeKind.Updated, Model("hf://org/m@v2", "3")));
        Assert.Equal(ModelChange.Changed, state.Observe(ChangeKind.Updated,
            Model("hf://org/m@v2", "4", labels: new() { ["models.ome/reserve-model-artifact"] = "true" })));
        Assert.Equal(ModelChange.Deleting, state.Observe(ChangeKind.Updated, Model("hf://org/m@v2", "5", deleting: true)));
        Assert.Equal(ModelChange.StillDeleting, state.Observe(ChangeKind.Updated, Model("hf://org/m@v2", "6", deleting: true)));
        Assert.Equal(ModelChange.StillDeleting, state.Observe(ChangeKind.Deleted, Model("hf://org/m@v2", "6", deleting: true)));
        Assert.True(state.Find(ModelReference.BaseModel("ome", "m"))?.Gone);
    }

    [Fact]
    public void A_deleted_model_is_kept_as_gone_until_forgotten_and_one_that_came_back_is_not_forgotten()
    {
        var state = new WatchedDesiredState();
        var reference = ModelReference.BaseModel("ome", "m");
        state.Observe(ChangeKind.Added, Model());
        Assert.Equal(ModelChange.Deleting, state.Observe(ChangeKind.Deleted, Model()));
        Assert.Single(state.Models());

        Assert.Equal(ModelChange.Changed, state.Observe(ChangeKind.Updated, Model(resourceVersion: "9")));
        state.Forget(reference);
        Assert.False(state.Find(reference)?.Gone);

        state.Observe(ChangeKind.Deleted, Model(resourceVersion: "9"));
        state.Forget(reference);
        Assert.Null(state.Find(reference));
        Assert.Empty(state.Models());
    }

    [Fact]
    public void A_node_counts_as_changed_when_first_seen_and_when_its_labels_differ()
    {
        var state = new WatchedDesiredState();
        Assert.Null(state.Node);
        Assert.True(state.ObserveNode(Node(("gpu", "h100"))));
        Assert.False(state.ObserveNode(Node(("gpu", "h100"))));
        Assert.True(state.ObserveNode(Node(("gpu", "a100"))));
        Assert.True(state.ObserveNode(Node(("gpu", "a100"), ("zone", "b"))));
        Assert.Equal("a100", state.Node?.Labels["gpu"]);
    }

    [Fact]
    public void The_model_labels_agents_write_on_the_node_do_not_count_as_a_change_but_are_kept()
    {
        // A Failed report is a label write on this Node: if it re-enqueued every model, the backoff it starts would end at once.
        var state = new WatchedDesiredState();
        Assert.True(state.ObserveNode(Node(("gpu", "h100"))));
        Assert.False(state.ObserveNode(Node(("gpu", "h100"), ("models.ome.io/clusterbasemodel.alpha", "Failed"))));
        Assert.False(state.ObserveNode(Node(("gpu", "h100"), ("models.ome.io/clusterbasemodel.alpha", "Updating"))));
        Assert.Equal("Updating", state.Node?.Labels["models.ome.io/clusterbasemodel.alpha"]);
        Assert.True(state.ObserveNode(Node(("gpu", "a100"), ("models.ome.io/clusterbasemodel.alpha", "Updating"))));
    }
}
