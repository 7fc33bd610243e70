using System.Runtime.InteropServices;

namespace ModelAgent.Platform;

/// <summary>
/// open(2) flags whose values differ between Linux architectures: x86_64 and arm64 swap O_DIRECT and O_DIRECTORY
/// (asm-generic/fcntl.h against arch/arm64/include/uapi/asm/fcntl.h), and GPU nodes come in both.
/// </summary>
internal static class OpenFlags
{
    public const int ReadOnly = 0;
    public const int WriteOnly = 1;
    public const int CloseOnExec = 0x80000;

    public static int Directory => IsArm64 ? 0x4000 : 0x10000;
    public static int Direct => IsArm64 ? 0x10000 : 0x4000;

    private static bool IsArm64 => RuntimeInformation.ProcessArchitecture == Architecture.Arm64;
}
