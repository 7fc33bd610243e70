namespace ModelAgent.Peers;

/// <summary>
/// A peer's response body that reports how it ended: a read that fails (a reset, or the engine's idle timeout on a
/// stalled peer) or a body shorter than the range makes <paramref name="failed"/> run once, so the range resumes
/// elsewhere (the engine reopens it from the first missing byte). Disposing runs <paramref name="closed"/> once.
/// </summary>
internal sealed class PeerBodyStream(Stream inner, long length, Action<string> failed, Action closed) : Stream
{
    private long _received;
    private int _ended;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => length;
    public override long Position { get => _received; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        try { return Count(inner.Read(buffer), buffer.Length); }
        catch (Exception e) { Fail(e.Message); throw; }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        try { return Count(await inner.ReadAsync(buffer, cancellationToken), buffer.Length); }
        catch (Exception e) { Fail(e is OperationCanceledException ? "no bytes within the idle timeout (stalled)" : e.Message); throw; }
    }

    private int Count(int read, int asked)
    {
        _received += read;
        if (read == 0 && asked > 0 && _received < length) Fail($"body ended after {_received} of {length} bytes");
        return read;
    }

    private void Fail(string reason)
    {
        if (Interlocked.Exchange(ref _ended, 1) == 0) failed(reason);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && Interlocked.Exchange(ref _ended, 2) != 2) closed();
        if (disposing) inner.Dispose();
        base.Dispose(disposing);
    }

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
