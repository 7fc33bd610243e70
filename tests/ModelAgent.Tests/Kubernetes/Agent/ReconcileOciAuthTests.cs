using ModelAgent.Kubernetes.Ome;
using ModelAgent.Reconcile;

namespace ModelAgent.Tests.Kubernetes.Agent;

/// <summary>
/// An oci:// model's <c>spec.storage.parameters.auth</c>: OME's principals cannot sign OCI's S3 compatibility API, so the
/// model is Failed with the Customer Secret Key alternative before anything is pulled; a customer secret key is pulled.
/// </summary>
public class ReconcileOciAuthTests
{
    private const string Uri = "oci://n/ns1/b/models/o/llama";

    private static BaseModel Model(ReconcileRig rig, string auth)
    {
        var model = ReconcileRig.Model("llama", Path.Combine(rig.Root.Path, "llama"), Uri);
        return model with
        {
            Spec = model.Spec with
            {
                Storage = model.Spec.Storage! with
                {
                    Parameters = new Dictionary<string, string> { ["auth"] = auth, ["region"] = "us-ashburn-1" },
                },
            },
        };
    }

    [Fact]
    public async Task An_instance_principal_is_Failed_naming_the_customer_secret_key_and_nothing_is_pulled()
    {
        await using var rig = await ReconcileRig.StartAsync();
        var model = Model(rig, "InstancePrincipal");
        rig.State.Set(model);

        var retry = Assert.IsType<ReconcileResult.RetryAfterFailure>(await rig.ReconcileAsync(model));

        Assert.Contains("does not accept InstancePrincipal authentication", retry.Reason);
        Assert.Contains("create a Customer Secret Key", retry.Reason);
        Assert.Equal("Failed", await rig.LabelAsync(model));
        Assert.Contains("spec.storage.parameters.auth", (await rig.EntryAsync(model))!.Message);
        Assert.Equal(0, rig.Pulls.Pulls);
    }

    [Fact]
    public async Task A_customer_secret_key_is_pulled()
    {
        await using var rig = await ReconcileRig.StartAsync();
        var model = Model(rig, "CustomerSecretKey");
        rig.State.Set(model);

        Assert.IsType<ReconcileResult.RequeueAfter>(await rig.ReconcileAsync(model));

        Assert.Equal(1, rig.Pulls.Pulls);
        Assert.Equal("Ready", await rig.LabelAsync(model));
    }
}
