namespace Bastion.Core.Security;

/// <summary>Whether a login attempt must be refused before checking credentials, why, and for how long.</summary>
/// <param name="Reason">For logs and the audit trail, e.g. "user alice is locked out after 5 failed logins"; null when not locked.</param>
public readonly record struct LockoutStatus(bool IsLockedOut, string? Reason, TimeSpan RetryAfter)
{
    public static LockoutStatus NotLocked => new(false, null, TimeSpan.Zero);

    /// <summary>"user" or "address": what is locked out.</summary>
    public string? Kind { get; init; }

    /// <summary>The user name or address (IPv6: its /64) that is locked out.</summary>
    public string? Subject { get; init; }

    /// <summary>How many lockouts in a row this one is (repeated lockouts of a user grow).</summary>
    public int Number { get; init; }
}

/// <summary>What counting one failure did.</summary>
/// <param name="Status">Whether the user or address is now locked out (the address is reported first).</param>
/// <param name="Started">The lockouts this very failure started — each is started by exactly one failure on any node,
/// so the caller audits (and alerts on) each once.</param>
public sealed record FailureRecorded(LockoutStatus Status, IReadOnlyList<LockoutStatus> Started);
