using System.Text;
using ModelAgent.Kubernetes.Ome;

namespace ModelAgent.Tests.Agent.EndToEnd.Support;

/// <summary>
/// A ClusterBaseModel or BaseModel as a user writes it for <c>kubectl apply</c>: <c>spec.storage</c> with an
/// <c>hf://org/name[@revision]</c> (or s3://) URI, the path on the node, and optionally a node selector and labels.
/// </summary>
internal sealed record ModelManifest(
    ModelReference Model,
    string StorageUri,
    string? Path,
    IReadOnlyDictionary<string, string>? NodeSelector = null,
    IReadOnlyDictionary<string, string>? Labels = null)
{
    /// <summary><c>spec.storage.key</c>: the Secret holding the origin token (in a BaseModel's own namespace).</summary>
    public string? Key { get; init; }

    /// <summary><c>spec.storage.parameters</c> (e.g. an s3:// model's <c>endpoint</c> and <c>region</c>).</summary>
    public IReadOnlyDictionary<string, string>? Parameters { get; init; }

    public static ModelManifest Cluster(string name, string storageUri, string? path) =>
        new(ModelReference.ClusterBaseModel(name), storageUri, path);

    public static ModelManifest Namespaced(string @namespace, string name, string storageUri, string? path) =>
        new(ModelReference.BaseModel(@namespace, name), storageUri, path);

    /// <summary>The same model at another revision (<c>hf://org/name@rev</c>).</summary>
    public ModelManifest AtRevision(string revision) => this with { StorageUri = StorageUri.Split('@')[0] + "@" + revision };

    /// <summary>kubectl's way to name the object: <c>clusterbasemodel/NAME</c> or <c>basemodel/NAME -n NS</c>.</summary>
    public string[] KubectlTarget => Model.Kind == ModelKind.ClusterBaseModel
        ? [$"clusterbasemodels.ome.io/{Model.Name}"]
        : [$"basemodels.ome.io/{Model.Name}", "-n", Model.Namespace!];

    public string FileName => $"{Model.Kind}-{Model.Namespace ?? "cluster"}-{Model.Name}.yaml";

    public string ToYaml()
    {
        var yaml = new StringBuilder();
        yaml.Append($"apiVersion: {OmeApi.ApiVersion}\n");
        yaml.Append($"kind: {Model.Kind}\n");
        yaml.Append("metadata:\n");
        yaml.Append($"  name: {Model.Name}\n");
        if (Model.Namespace is not null) yaml.Append($"  namespace: {Model.Namespace}\n");
        AppendMap(yaml, "  labels", Labels);
        yaml.Append("spec:\n");
        yaml.Append("  modelFormat:\n    name: safetensors\n");
        yaml.Append("  storage:\n");
        yaml.Append($"    storageUri: \"{StorageUri}\"\n");
        if (Path is not null) yaml.Append($"    path: \"{Path}\"\n");
        if (Key is not null) yaml.Append($"    key: \"{Key}\"\n");
        AppendMap(yaml, "    parameters", Parameters);
        AppendMap(yaml, "    nodeSelector", NodeSelector);
        return yaml.ToString();
    }

    private static void AppendMap(StringBuilder yaml, string field, IReadOnlyDictionary<string, string>? map)
    {
        if (map is not { Count: > 0 }) return;
        yaml.Append(field).Append(":\n");
        var indent = new string(' ', field.Length - field.TrimStart().Length + 2);
        foreach (var (key, value) in map) yaml.Append($"{indent}\"{key}\": \"{value}\"\n");
    }
}
