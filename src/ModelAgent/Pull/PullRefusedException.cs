namespace ModelAgent.Pull;

/// <summary>The pull would damage what is in the destination (another model lives there); nothing was changed.</summary>
internal sealed class PullRefusedException(string message) : Exception(message);
