namespace ModelAgent.Kubernetes.Reporting;

/// <summary>What reporting a model's state did to the node label and to the ConfigMap entry.</summary>
internal sealed record ReportVerdict(WriteVerdict Label, WriteVerdict Entry)
{
    public bool Succeeded => !Label.IsFailure && !Entry.IsFailure;

    public IEnumerable<string> Reasons =>
        new[] { Label.Reason, Entry.Reason }.Where(reason => !string.IsNullOrEmpty(reason)).Select(reason => reason!);
}
