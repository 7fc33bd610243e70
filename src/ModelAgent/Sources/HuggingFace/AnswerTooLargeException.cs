namespace ModelAgent.Sources.HuggingFace;

/// <summary>An answer went past its byte limit; the reader stopped there.</summary>
internal sealed class AnswerTooLargeException(long limit) : Exception($"the answer exceeds {limit} bytes")
{
    public long Limit { get; } = limit;
}
