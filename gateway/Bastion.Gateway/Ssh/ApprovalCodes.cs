using System.Security.Cryptography;

namespace Bastion.Gateway.Ssh;

/// <summary>One-time codes for browser approvals: short enough to read off a terminal, 50 bits of randomness.</summary>
public static class ApprovalCodes
{
    // No 0/O, 1/I/L: people may copy the code by hand.
    private const string Alphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";

    public static string New() => RandomNumberGenerator.GetString(Alphabet, 10);

    /// <summary>The two-digit number the terminal shows and the approver must pick (10–99, so never a leading zero).</summary>
    public static int NewMatchNumber() => RandomNumberGenerator.GetInt32(10, 100);
}
