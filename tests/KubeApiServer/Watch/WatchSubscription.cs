using System.Text.Json.Nodes;
using System.Threading.Channels;
using ModelAgent.Testing.KubeApi.Resources;

namespace ModelAgent.Testing.KubeApi.Watch;

/// <summary>
/// One open watch: which objects it selects and the queue of events waiting to be written to its stream.
/// Completing the queue (a dropped-watch fault, or server shutdown) ends the stream the way a real
/// apiserver closing the connection does.
/// </summary>
internal sealed class WatchSubscription
{
    // Not SingleReader: that variant cannot Count, and bookmarks need to know the queue is empty.
    private readonly Channel<WatchEvent> _queue = Channel.CreateUnbounded<WatchEvent>();

    public WatchSubscription(ResourceDefinition resource, string? @namespace, Func<JsonObject, bool> selects)
    {
        Resource = resource;
        Namespace = @namespace;
        Selects = selects;
    }

    public ResourceDefinition Resource { get; }
    public string? Namespace { get; }
    public Func<JsonObject, bool> Selects { get; }

    /// <summary>The newest resourceVersion whose event (if any) is already queued: a safe BOOKMARK value once the queue is empty.</summary>
    public long Progress { get; set; }

    public ChannelReader<WatchEvent> Events => _queue.Reader;

    public bool Matches(JsonObject obj) =>
        (Namespace is null || Text(obj["metadata"]?["namespace"]) == Namespace) && Selects(obj);

    public void Enqueue(WatchEvent e)
    {
        _queue.Writer.TryWrite(e);
        Progress = e.ResourceVersion;
    }

    public void Close() => _queue.Writer.TryComplete();
}
