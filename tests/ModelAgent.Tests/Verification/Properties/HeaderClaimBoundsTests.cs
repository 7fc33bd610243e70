using System.Buffers.Binary;
using CsCheck;
using ModelAgent.Tests.Support;
using ModelAgent.Verification;
using Xunit.Abstractions;

namespace ModelAgent.Tests.Verification.Properties;

/// <summary>
/// Property: the cost of the safetensors check is bounded by the file, never by what its header claims. For any
/// 8-byte header length (tiny, near the file size, the 100 MB limit, up to 2^64-1) on a file of a few kilobytes, the
/// check allocates at most a small constant plus the file's size (GC.GetAllocatedBytesForCurrentThread), and reads
/// at most the file (this thread's rchar in /proc/thread-self/io): a check that trusted a 100 MB claim would cross
/// both. Counted in bytes, not seconds, so load cannot make it flaky.
/// </summary>
public class HeaderClaimBoundsTests(ITestOutputHelper output)
{
    private const long Slack = 256 * 1024;

    private static readonly Gen<ulong> Claim = Gen.OneOf(
        Gen.ULong[0, 70_000],
        Gen.ULong[99_000_000, 101_000_000],
        Gen.ULong[101_000_000, ulong.MaxValue],
        Gen.Int[0, 63].Select(bit => 1UL << bit));

    [Fact]
    public async Task Time_and_memory_are_bounded_by_the_file_for_any_header_claim()
    {
        using var root = new TempDirectory("property-claims");
        var iteration = 0;
        await PropertyRun.SampleAsync(output, "9cXoTy1Kb3Hd", 300, Gen.Select(Claim, Gen.Int[8, 64 * 1024], Gen.Bool), async sample =>
        {
            var (claim, size, withJson) = sample;
            var path = Path.Combine(root.Path, $"claim-{Interlocked.Increment(ref iteration)}.safetensors");
            var bytes = new byte[size];
            new Random(size).NextBytes(bytes);
            if (withJson) for (var i = 8; i < size; i++) bytes[i] = (byte)(i % 2 == 0 ? '[' : ' '); // deep nesting as far as it goes
            BinaryPrimitives.WriteUInt64LittleEndian(bytes, claim);
            await File.WriteAllBytesAsync(path, bytes);

            using var handle = File.OpenHandle(path);
            var readBefore = ThreadReadBytes();
            var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
            var problem = SafetensorsHeader.Check(handle, size, out _);
            var allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
            var read = ThreadReadBytes() - readBefore;

            Assert.True(allocated <= Slack + 4L * size, $"claim {claim} on a {size}-byte file allocated {allocated} bytes");
            Assert.True(read <= Slack + size, $"claim {claim} on a {size}-byte file read {read} bytes");
            if (claim > (ulong)(size - 8)) Assert.NotNull(problem);
            File.Delete(path);
        });
    }

    /// <summary>Bytes this thread has read through read(2) and friends, page cache included (Linux's rchar).</summary>
    private static long ThreadReadBytes()
    {
        foreach (var line in File.ReadLines("/proc/thread-self/io"))
            if (line.StartsWith("rchar:", StringComparison.Ordinal)) return long.Parse(line.AsSpan(6).Trim(),
                System.Globalization.CultureInfo.InvariantCulture);
        throw new InvalidOperationException("/proc/thread-self/io has no rchar");
    }
}
