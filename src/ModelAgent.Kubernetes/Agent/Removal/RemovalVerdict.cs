namespace ModelAgent.Kubernetes.Agent.Removal;

internal abstract record RemovalVerdict
{
    private RemovalVerdict() { }

    public sealed record Removed(string Path) : RemovalVerdict;

    /// <summary>Nothing was removed on purpose (nothing there, or a rule keeps it).</summary>
    public sealed record Kept(string Reason) : RemovalVerdict;

    /// <summary>Removal was attempted and failed part-way (permissions, I/O): what is left and why.</summary>
    public sealed record Failed(string Reason) : RemovalVerdict;
}
