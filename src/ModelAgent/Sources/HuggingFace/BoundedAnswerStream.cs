namespace ModelAgent.Sources.HuggingFace;

/// <summary>
/// A read-only view of an origin's answer body that ends the read with an error once more than
/// <c>maxBytes</c> arrived (<see cref="AnswerTooLargeException"/>), or once a read got no byte for
/// <c>idle</c> (<see cref="TimeoutException"/>): a JSON parser reading through it never buffers more than the limit
/// and never waits on a silent origin for ever. The idle clock is the given <see cref="TimeProvider"/>.
/// </summary>
internal sealed class BoundedAnswerStream(Stream inner, long maxBytes, TimeSpan idle, TimeProvider time) : Stream
{
    public long BytesRead { get; private set; }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        // One byte past the limit is enough to know the answer is too large; never ask the socket for more.
        var room = maxBytes + 1 - BytesRead;
        if (buffer.Length > room) buffer = buffer[..(int)room];
        using var silence = new CancellationTokenSource(idle, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, silence.Token);
        int got;
        try { got = await inner.ReadAsync(buffer, linked.Token); }
        catch (OperationCanceledException e) when (silence.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"no bytes for {idle.TotalSeconds:0.#} s", e);
        }
        BytesRead += got;
        if (BytesRead > maxBytes) throw new AnswerTooLargeException(maxBytes);
        return got;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count).GetAwaiter().GetResult();

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => BytesRead; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) inner.Dispose();
        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await inner.DisposeAsync();
        await base.DisposeAsync();
    }
}
