namespace Bastion.Core.Security;

/// <summary>Whether a login attempt must be refused before checking credentials, why, and for how long.</summary>
/// <param name="Reason">For logs and the audit trail, e.g. "user alice locked out after 5 failures"; null when not locked.</param>
public readonly record struct LockoutStatus(bool IsLockedOut, string? Reason, TimeSpan RetryAfter)
{
    public static LockoutStatus NotLocked => new(false, null, TimeSpan.Zero);
}
