using System.Diagnostics.CodeAnalysis;

namespace ModelAgent.Kubernetes.Ome;

/// <summary>
/// Which model a label, a ConfigMap key or a lease is about. A ClusterBaseModel has no namespace; a BaseModel always has one.
/// </summary>
internal sealed record ModelReference
{
    private ModelReference(ModelKind kind, string? @namespace, string name)
    {
        Kind = kind;
        Namespace = @namespace;
        Name = name;
    }

    public ModelKind Kind { get; }
    public string? Namespace { get; }
    public string Name { get; }

    public static ModelReference ClusterBaseModel(string name) =>
        new(ModelKind.ClusterBaseModel, null, RequireNonEmpty(name, nameof(name)));

    public static ModelReference BaseModel(string @namespace, string name) =>
        new(ModelKind.BaseModel, RequireNonEmpty(@namespace, nameof(@namespace)), RequireNonEmpty(name, nameof(name)));

    /// <summary>
    /// The work-queue key: <c>ClusterBaseModel/NAME</c> or <c>BaseModel/NAMESPACE/NAME</c> ('/' appears in neither
    /// a namespace nor a name).
    /// </summary>
    public string Key => Kind == ModelKind.ClusterBaseModel ? $"ClusterBaseModel/{Name}" : $"BaseModel/{Namespace}/{Name}";

    /// <summary>The reference a <see cref="Key"/> names; false for anything else.</summary>
    public static bool TryParseKey(string key, [NotNullWhen(true)] out ModelReference? model)
    {
        model = null;
        var parts = key.Split('/');
        if (parts is ["ClusterBaseModel", { Length: > 0 } name]) model = ClusterBaseModel(name);
        else if (parts is ["BaseModel", { Length: > 0 } ns, { Length: > 0 } baseName]) model = BaseModel(ns, baseName);
        return model is not null;
    }

    public override string ToString() =>
        Kind == ModelKind.ClusterBaseModel ? $"ClusterBaseModel {Name}" : $"BaseModel {Namespace}/{Name}";

    private static string RequireNonEmpty(string value, string what) =>
        string.IsNullOrEmpty(value) ? throw new ArgumentException($"a model reference needs a non-empty {what}", what) : value;
}
