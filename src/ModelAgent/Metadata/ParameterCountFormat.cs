using System.Globalization;
using System.Numerics;

namespace ModelAgent.Metadata;

/// <summary>
/// OME's <c>FormatParamCount</c>: K/M/B/T in steps of 1000, the integer when whole, one decimal when the value
/// has at most two significant decimals, else two (<c>7B</c>, <c>1.5M</c>, <c>8.03B</c>). The tests are done in
/// double arithmetic exactly as Go does them, and the decimals are rounded as Go's <c>%.1f</c>/<c>%.2f</c> round:
/// the exact binary value, ties to even. So 1 250 000 000 prints <c>1.2B</c>, not <c>1.3B</c> — odd, but a label
/// that differs from OME's would make a mixed fleet disagree about the same model.
/// </summary>
internal static class ParameterCountFormat
{
    public static string Format(long count)
    {
        double value;
        string suffix;
        if (count >= 1_000_000_000_000) (value, suffix) = (count / 1e12, "T");
        else if (count >= 1_000_000_000) (value, suffix) = (count / 1e9, "B");
        else if (count >= 1_000_000) (value, suffix) = (count / 1e6, "M");
        else if (count >= 1_000) (value, suffix) = (count / 1e3, "K");
        else return count.ToString(CultureInfo.InvariantCulture);

        if (value == (long)value) return ((long)value).ToString(CultureInfo.InvariantCulture) + suffix;
        var decimals = value * 100 == (long)(value * 100) ? 1 : 2;
        return Fixed(value, decimals) + suffix;
    }

    /// <summary>A positive finite double with <paramref name="decimals"/> digits, rounded from its exact value, ties to even.</summary>
    internal static string Fixed(double value, int decimals)
    {
        var bits = BitConverter.DoubleToInt64Bits(value);
        var exponent = (int)((bits >> 52) & 0x7FF);
        var mantissa = bits & 0xFFFFFFFFFFFFFL;
        if (exponent == 0) exponent++; else mantissa |= 1L << 52;
        exponent -= 1075; // value = mantissa * 2^exponent

        var scale = BigInteger.Pow(10, decimals);
        BigInteger numerator = mantissa * scale, denominator = BigInteger.One;
        if (exponent >= 0) numerator <<= exponent; else denominator <<= -exponent;
        var quotient = BigInteger.DivRem(numerator, denominator, out var remainder);
        var twice = remainder * 2;
        if (twice > denominator || (twice == denominator && !quotient.IsEven)) quotient++;

        var whole = BigInteger.DivRem(quotient, scale, out var fraction);
        return whole.ToString(CultureInfo.InvariantCulture) + "."
            + fraction.ToString(CultureInfo.InvariantCulture).PadLeft(decimals, '0');
    }
}
