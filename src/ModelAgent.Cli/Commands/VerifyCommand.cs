using System.CommandLine;
using ModelAgent.Verification;

namespace ModelAgent.Cli.Commands;

/// <summary>
/// <c>model-agent verify DIR [--deep] [--json] [--adopt]</c>: exit 0 complete, 1 incomplete, 2 when DIR is not an
/// existing directory (nothing to judge: a typo or an unmounted share, which scripts should not mistake for
/// "download it"), when it cannot be read (permission denied, EIO: an I/O failure, not an answer), on bad usage,
/// or on an I/O failure that stopped the check.
/// </summary>
internal static class VerifyCommand
{
    public static Command Create()
    {
        var dir = new Argument<string>("DIR") { Description = "The model directory to check." };
        var deep = new Option<bool>("--deep")
        {
            Description =
                "Re-hash every file against the digests in the completion record (reads every byte, all cores). With --adopt: record " +
                "sha256 digests.",
        };
        var json = new Option<bool>("--json") { Description = "Print one JSON object: complete, layout, reasons, and details." };
        var adopt = new Option<bool>("--adopt")
        {
            Description =
                "If the directory has no completion record and is complete by the layout rules, write one with adopted=true so the next " +
                "check is the fast one.",
        };
        var command = new Command("verify", "Check whether a directory holds a complete model; every reason it does not is printed.")
            { dir, deep, json, adopt };
        command.SetAction((parse, ct)
            => RunAsync(parse.GetValue(dir)!, parse.GetValue(deep), parse.GetValue(json), parse.GetValue(adopt), ct));
        return command;
    }

    private static async Task<int> RunAsync(string directory, bool deep, bool json, bool adopt, CancellationToken cancellationToken)
    {
        try
        {
            var verdict = await new CompletenessCheck().InspectAsync(directory, new InspectOptions { Deep = deep }, cancellationToken);
            AdoptionResult? adoption = null;
            if (adopt && verdict.Adoptable)
                adoption = await new ModelAdoption(TimeProvider.System).AdoptAsync(directory, verdict, computeDigests: deep,
                    Environment.ProcessorCount, cancellationToken);

            if (json) VerifyOutput.WriteJson(Console.Out, directory, verdict, adoption);
            else VerifyOutput.WriteText(Console.Out, Console.Error, directory, verdict, adoption, adopt, deep);

            if (!verdict.DirectoryFound || verdict.Unreadable) return ExitCodes.Usage;
            if (adoption is { Written: false }) return ExitCodes.Usage;
            return verdict.Complete ? ExitCodes.Success : ExitCodes.Incomplete;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Console.Error.WriteLine("verify: interrupted");
            return ExitCodes.Interrupted;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine(Storage.DisplayName.Line($"verify: {e.Message}"));
            return ExitCodes.Usage;
        }
    }
}
