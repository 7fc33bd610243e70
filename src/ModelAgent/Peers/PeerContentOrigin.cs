using Microsoft.Extensions.Logging;
using ModelAgent.Sources;

namespace ModelAgent.Peers;

/// <summary>
/// An <see cref="IContentOrigin"/> that takes a file's bytes from a peer that holds it and the origin's otherwise
/// (docs/peers.md §2). The snapshot (sizes, digests) always comes from the origin's listing; a peer is used for a file
/// only when its listing names the same size and digest, and the engine hashes what it sends like any origin's bytes.
/// Each peer is asked what it holds once per pull. All ranges of a file come from one peer while it serves well, so a
/// file the engine rejects (<see cref="ContentRejected"/>) names the peer that sent it. A peer that fails, stalls, cuts a
/// body or sent a rejected file is dropped for this model; its ranges resume from another peer or the origin.
/// </summary>
internal sealed class PeerContentOrigin(IContentOrigin origin, PeerClient client, PeerSettings settings, PeerModelKey key,
    TimeProvider time, ILogger logger) : IContentOrigin
{
    private readonly Lock _gate = new();
    private readonly HashSet<Uri> _dropped = [];
    private readonly Dictionary<string, Uri> _assigned = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<Uri>> _contributors = new(StringComparer.Ordinal);
    private readonly Dictionary<Uri, int> _inFlight = [];
    private Task<IReadOnlyList<(Uri Peer, PeerModel Model)>>? _holdings;

    public async Task<RangeBody> OpenRangeAsync(SnapshotFile file, long offset, long length, CancellationToken cancellationToken)
    {
        if (length > 0 && !file.DigestComputed)
        {
            var holdings = await Holdings(cancellationToken).WaitAsync(cancellationToken);
            var busySince = time.GetTimestamp();
            var busy = new HashSet<Uri>();
            while (Choose(file, holdings, busy) is { } peer)
            {
                try { return await OpenAtPeerAsync(peer, file, offset, length, cancellationToken); }
                catch (PeerBusyException)
                {
                    busy.Add(peer);
                    if (Choose(file, holdings, busy) is not null) continue;
                    if (time.GetElapsedTime(busySince) > settings.BusyPatience) break;
                    // Every holder is busy: the origin is the last resort, so wait a slot out first.
                    await Task.Delay(TimeSpan.FromSeconds(1), time, cancellationToken);
                    busy.Clear();
                }
                catch (Exception e) when (!cancellationToken.IsCancellationRequested)
                {
                    Drop(peer, $"'{file.Path}': {e.Message}");
                }
            }
        }
        return await origin.OpenRangeAsync(file, offset, length, cancellationToken);
    }

    /// <summary>The engine discarded <paramref name="file"/>: its digest did not match the origin's listing.</summary>
    public void ContentRejected(SnapshotFile file)
    {
        List<Uri> senders;
        lock (_gate)
        {
            _assigned.Remove(file.Path.Value);
            senders = _contributors.Remove(file.Path.Value, out var set) ? [.. set] : [];
        }
        foreach (var peer in senders) Drop(peer, $"it sent '{file.Path}' with a digest that does not match the origin's listing");
        origin.ContentRejected(file);
    }

    private async Task<RangeBody> OpenAtPeerAsync(Uri peer, SnapshotFile file, long offset, long length,
        CancellationToken cancellationToken)
    {
        var (body, response) = await client.OpenRangeAsync(peer, key, file.Path.Value, offset, length, file.Size, cancellationToken);
        lock (_gate)
        {
            _inFlight[peer] = _inFlight.GetValueOrDefault(peer) + 1;
            if (!_contributors.TryGetValue(file.Path.Value, out var set)) _contributors[file.Path.Value] = set = [];
            set.Add(peer);
        }
        var stream = new PeerBodyStream(body, length, reason => Drop(peer, $"'{file.Path}': {reason}"), () =>
        {
            lock (_gate) _inFlight[peer]--;
        });
        return new RangeBody(stream, offset, length, response) { Where = $"peer {peer.GetLeftPart(UriPartial.Authority)}" };
    }

    /// <summary>
    /// The peer this file's ranges come from: the one already serving it, else the holder with the fewest ranges in flight.
    /// </summary>
    private Uri? Choose(SnapshotFile file, IReadOnlyList<(Uri Peer, PeerModel Model)> holdings, HashSet<Uri> busy)
    {
        var digest = file.Digest.ToString();
        lock (_gate)
        {
            if (_assigned.TryGetValue(file.Path.Value, out var current) && !_dropped.Contains(current) && !busy.Contains(current))
                return current;
            var chosen = holdings
                .Where(h => !_dropped.Contains(h.Peer) && !busy.Contains(h.Peer)
                    && h.Model.Files.Any(f => f.Path == file.Path.Value && f.Size == file.Size && f.Digest == digest))
                .Select(h => h.Peer)
                .OrderBy(p => _inFlight.GetValueOrDefault(p))
                .FirstOrDefault();
            if (chosen is not null && current is null)
            {
                _assigned[file.Path.Value] = chosen;
                logger.LogInformation("Fetching {File} from peer {Peer}", file.Path.Value, chosen.GetLeftPart(UriPartial.Authority));
            }
            return chosen;
        }
    }

    private void Drop(Uri peer, string reason)
    {
        lock (_gate)
        {
            if (!_dropped.Add(peer)) return;
            foreach (var (path, assigned) in _assigned.ToList())
                if (assigned == peer) _assigned.Remove(path);
        }
        logger.LogWarning("Dropping peer {Peer} for {Source}: {Reason}; its ranges go to another peer or the origin",
            peer.GetLeftPart(UriPartial.Authority), key.Source, reason);
    }

    private Task<IReadOnlyList<(Uri Peer, PeerModel Model)>> Holdings(CancellationToken cancellationToken)
    {
        lock (_gate) return _holdings ??= ListAllAsync(cancellationToken);
    }

    /// <summary>Asks every peer once what it holds of the model; a peer that fails to answer is left out for this pull.</summary>
    private async Task<IReadOnlyList<(Uri Peer, PeerModel Model)>> ListAllAsync(CancellationToken cancellationToken)
    {
        var answers = await Task.WhenAll(settings.Peers.Select(async peer =>
        {
            try { return (peer, await client.ListAsync(peer, key, cancellationToken)); }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                logger.LogWarning("Peer {Peer} did not say what it holds of {Source} ({Reason}); not using it", peer, key.Source,
                    e.Message);
                return (peer, (PeerModel?)null);
            }
        }));
        var holdings = answers.Where(a => a.Item2 is { Files.Count: > 0 }).Select(a => (a.peer, a.Item2!)).ToList();
        logger.LogInformation("{Holding} of {Peers} peers hold files of {Source} at {Revision}", holdings.Count, settings.Peers.Count,
            key.Source, key.Revision);
        return holdings;
    }
}
