using System.Globalization;
using ModelAgent.Kubernetes.Agent.Signals;
using ModelAgent.Pull;

namespace ModelAgent.Kubernetes.Agent.Events;

/// <summary>
/// Which signals become Events, and their words. Progress and Ready never do (they are gauges and labels); a Downloaded
/// that was already complete does not either, so a restart of a complete model writes nothing. Messages name the node and
/// carry no counter that changes from one repeat to the next, so repeats aggregate into one Event.
/// </summary>
internal static class ModelEventReasons
{
    public const string Downloading = "Downloading";
    public const string Downloaded = "Downloaded";
    public const string WaitingForNode = "WaitingForNode";
    public const string TookOver = "TookOver";
    public const string DownloadFailed = "DownloadFailed";
    public const string InsufficientStorage = "InsufficientStorage";
    public const string Deleted = "Deleted";

    /// <summary>The Event <paramref name="signal"/> raised on <paramref name="node"/> makes; null when it makes none.</summary>
    public static ModelEvent? For(ModelSignal signal, string node) => signal switch
    {
        ModelSignal.Downloading d => Normal(Downloading,
            $"node {node} is downloading {d.Source} ({Size(d.BytesTotal)} in {d.Files} files)"),
        ModelSignal.Downloaded { Result: PullResult.Updated } d => Normal(Downloaded,
            $"node {node} downloaded {d.Source} ({Size(d.BytesTotal)}, {d.FilesTransferred} files transferred) in {Seconds(d.Duration)}"),
        ModelSignal.Downloaded { Result: PullResult.CompletedByPeer } d => Normal(Downloaded,
            $"node {node} has {d.Source}: {d.CompletedBy ?? "another node"} downloaded it while node {node} waited " +
            Seconds(d.Waited)),
        ModelSignal.WaitingForNode w => Normal(WaitingForNode, w.Holder is { } holder
            ? $"node {node} waits for {holder} to download it"
            : $"node {node} waits for another node to download it"),
        ModelSignal.TookOver t => Normal(TookOver, t.PreviousHolder is { } previous
            ? $"node {node} took the download over from {previous}, which stopped renewing its lease"
            : $"node {node} took the download over: the previous holder stopped renewing its lease"),
        ModelSignal.Failed { InsufficientStorage: true } f => new(InsufficientStorage, $"node {node}: {f.Reason}", ModelEvent.Warning),
        ModelSignal.Failed f => new(DownloadFailed, $"node {node}: {f.Reason}", ModelEvent.Warning),
        ModelSignal.Removed { Cause: RemovalCause.Deleted } => Normal(Deleted,
            $"node {node} removed the model: its label and ConfigMap entry are gone"),
        _ => null,
    };

    private static ModelEvent Normal(string reason, string message) => new(reason, message, ModelEvent.Normal);

    private static string Seconds(TimeSpan duration) =>
        string.Create(CultureInfo.InvariantCulture, $"{Math.Round(duration.TotalSeconds):0} s");

    private static string Size(long bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB"];
        var value = (double)bytes;
        var unit = 0;
        while (value >= 1024 && unit < units.Length - 1) (value, unit) = (value / 1024, unit + 1);
        return unit == 0
            ? string.Create(CultureInfo.InvariantCulture, $"{bytes} B")
            : string.Create(CultureInfo.InvariantCulture, $"{value:0.#} {units[unit]}");
    }
}
