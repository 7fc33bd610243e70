namespace ModelAgent.Cli;

/// <summary>Exit codes every command shares; README.md documents them.</summary>
internal static class ExitCodes
{
    /// <summary>Done: the model is complete / the command succeeded.</summary>
    public const int Success = 0;
    /// <summary>The command ran and the answer is "no": the model is incomplete, or the transfer failed.</summary>
    public const int Incomplete = 1;
    /// <summary>Bad usage, bad input, or an I/O failure that stopped the command from giving an answer.</summary>
    public const int Usage = 2;
    /// <summary>Interrupted (Ctrl-C, SIGTERM); partial files are kept for resume.</summary>
    public const int Interrupted = 130;
}
