namespace ModelAgent.Sources.HuggingFace;

/// <summary>A JSON array went past the number of elements its reader keeps; reading stopped there.</summary>
internal sealed class TooManyItemsException(int limit) : Exception($"the array has more than {limit} elements")
{
    public int Limit { get; } = limit;
}
