namespace Bastion.Core.Mfa;

/// <summary>Outcome of checking a TOTP code.</summary>
public enum TotpVerificationResult
{
    /// <summary>The code is right and was not used before; it is now spent.</summary>
    Accepted,

    /// <summary>Wrong code, wrong format, or outside the accepted time window.</summary>
    Invalid,

    /// <summary>The code was right but its time step (or a later one) was already used: a replay.</summary>
    Replayed,

    /// <summary>The user has no TOTP credential (or does not exist).</summary>
    NotEnrolled,
}
