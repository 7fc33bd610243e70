using System.Text.RegularExpressions;
using ModelAgent.Completion;
using ModelAgent.Pull;
using ModelAgent.Sources;
using ModelAgent.Storage;
using ModelAgent.Tests.Support;
using ModelAgent.Transfer;

namespace ModelAgent.Tests.Transfer;

/// <summary>The space check between the listing and the transfer, on a real directory.</summary>
public sealed class DiskAdmissionTests
{
    private static SnapshotFile File(string path, long size) =>
        new(ModelRelativePath.Parse(path), size, new FileDigest(DigestAlgorithm.Sha256, new string('a', 64)));

    [Fact]
    public void A_listing_whose_sizes_add_up_past_any_disk_is_refused_even_where_the_sum_would_wrap_around()
    {
        using var dest = new TempDirectory("admission");
        // Two claims of 8 EiB: a plain long sum is negative, which "fits" on every disk.
        SnapshotFile[] hostile = [File("a.bin", long.MaxValue), File("b.bin", long.MaxValue)];

        var refused = Assert.Throws<LocalStorageException>(() =>
            DiskAdmission.Check(dest.Path, hostile, new TransferOptions(), new CapturingLogger()));

        Assert.Equal(LocalStorageFailure.NoSpace, refused.Failure);
        Assert.Equal(long.MaxValue, refused.NeededBytes);
        Assert.Matches($@"^insufficient storage: needs 8\.0 EiB, [\d.]+ \w*B free on {Regex.Escape(dest.Path)}$", refused.Message);
    }

    [Fact]
    public void A_file_already_in_place_with_its_size_needs_no_space()
    {
        using var dest = new TempDirectory("admission");
        dest.File("big.bin", "12345");
        // The engine keeps a file in place after checking its digest (a rerun after a kill that came before the
        // record): counting it again would refuse a model that already fits.
        Assert.Equal(0, PendingBytes.StillNeeded(dest.Path, [File("big.bin", 5)], new TransferOptions()));
        Assert.Equal(6, PendingBytes.StillNeeded(dest.Path, [File("big.bin", 6)], new TransferOptions()));
    }
}
