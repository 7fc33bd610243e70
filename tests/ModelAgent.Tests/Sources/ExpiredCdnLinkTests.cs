using System.Text.RegularExpressions;
using ModelAgent.Tests.Support;

namespace ModelAgent.Tests.Sources;

/// <summary>
/// The Hub answers a file's resolve URL with a redirect to a signed CDN link, which expires (about an hour). The
/// client keeps using a link while it works, and when the CDN starts answering 403 mid-transfer it resolves the file
/// again for a fresh link instead of failing, so a long download survives its links' expiry.
/// </summary>
public sealed partial class ExpiredCdnLinkTests
{
    private const int RangesPerLink = 2;

    [GeneratedRegex(@"^/cdn/(?<path>[^?]+)\?sig=(?<sig>\d+)$")]
    private static partial Regex CdnTarget();

    [Fact]
    public async Task A_signed_link_that_expires_mid_transfer_is_resolved_again_and_the_pull_completes()
    {
        var weights = new byte[500_000];
        new Random(51).NextBytes(weights);
        await using var origin = new CraftedHub(new() { ["model.safetensors"] = weights });
        var generation = 1;      // the signature the CDN accepts now
        var servedByLink = 0;    // ranges served with the current signature
        int resolves = 0, expired = 0;
        var gate = new object();
        origin.Intercept = async (request, stream) =>
        {
            if (request.Target.StartsWith($"/org/m/resolve/{CraftedHub.Commit}/", StringComparison.Ordinal))
            {
                int sig;
                lock (gate) { resolves++; sig = generation; }
                var location = $"{origin.BaseAddress}cdn/model.safetensors?sig={sig}";
                await RawHttpServer.WriteAsync(stream, 302, [("Location", location), ("Content-Length", "0")], []);
                return true;
            }
            var cdn = CdnTarget().Match(request.Target);
            if (!cdn.Success) return false;
            bool valid;
            lock (gate)
            {
                valid = int.Parse(cdn.Groups["sig"].Value) == generation;
                if (valid && ++servedByLink == RangesPerLink) { generation++; servedByLink = 0; } // this link now expires
                if (!valid) expired++;
            }
            if (!valid)
            {
                var text = "Request has expired"u8.ToArray();
                await RawHttpServer.WriteAsync(stream, 403, [("Content-Length", text.Length.ToString())], text);
                return true;
            }
            var (start, end) = StalledOriginTests.Range(request, weights.Length);
            var body = weights[(int)start..(int)(end + 1)];
            await RawHttpServer.WriteAsync(stream, 206,
                [("Content-Length", body.Length.ToString()), ("Content-Range", $"bytes {start}-{end}/{weights.Length}")], body);
            return true;
        };
        using var dest = new TempDirectory("cdn");
        var log = new CapturingLogger();
        var options = HubPull.SmallChunks with { MaxConcurrentRequests = 1, MaxRequestsPerFile = 1 }; // 8 ranges of 64 KiB

        await HubPull.RunAsync(origin.BaseAddress, "hf://org/m", dest.Path, options, logger: log).WaitAsync(TimeSpan.FromMinutes(2));

        HubPull.AssertIdentical(origin.Files, dest.Path);
        var ranges = (weights.Length + options.ChunkSize - 1) / options.ChunkSize;
        Assert.True(expired > 0, "no link expired: the test proved nothing");
        Assert.Contains(log.Lines, l => l.Contains("resolving it again"));
        // A fresh link per expiry, not per range: remembered links are used while they work.
        Assert.InRange(resolves, 2, ranges - 1);
    }
}
