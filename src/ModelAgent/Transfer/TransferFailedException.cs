namespace ModelAgent.Transfer;

/// <summary>The transfer could not complete; the message names the file and what to do. Partial files are kept for a rerun.</summary>
internal sealed class TransferFailedException(string message, Exception? inner = null) : Exception(message, inner);
