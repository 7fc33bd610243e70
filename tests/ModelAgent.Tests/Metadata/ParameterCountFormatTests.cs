using ModelAgent.Metadata;

namespace ModelAgent.Tests.Metadata;

/// <summary>OME's FormatParamCount, case by case; the examples in its doc comment come first.</summary>
public class ParameterCountFormatTests
{
    [Theory]
    [InlineData(1_000L, "1K")]
    [InlineData(1_500_000L, "1.5M")]
    [InlineData(685_000_000_000L, "685B")]
    [InlineData(7_000_000_000L, "7B")]
    [InlineData(8_030_261_248L, "8.03B")]          // 8.030261248: more than two decimals, %.2f
    [InlineData(999L, "999")]                       // below a thousand: the plain integer
    [InlineData(0L, "0")]
    [InlineData(1_000_000_000_000L, "1T")]
    [InlineData(405_000_000_000L, "405B")]
    [InlineData(1_750_000L, "1.8M")]                // 1.75 has two decimals: %.1f, and 1.75 is exact in binary: tie to even, 1.8
    [InlineData(1_250_000_000L, "1.2B")]            // 1.25 is exact in binary: Go's %.1f ties to even, 1.2 (not 1.3)
    [InlineData(2_046_646_400L, "2.05B")]           // 2.0466464: %.2f rounds up
    [InlineData(176_164_865L, "176.16M")]
    [InlineData(9_223_372_036_854_775_807L, "9223372.04T")]
    public void Formats_as_OME_does(long count, string expected)
    {
        Assert.Equal(expected, ParameterCountFormat.Format(count));
    }
}
