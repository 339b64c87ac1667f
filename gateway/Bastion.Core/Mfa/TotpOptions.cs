namespace Bastion.Core.Mfa;

/// <summary>
/// TOTP settings. The algorithm is fixed at what every authenticator app supports (RFC 6238 with SHA-1,
/// 6 digits, 30-second steps); only the issuer label and the tolerated clock drift are configurable.
/// </summary>
public sealed record TotpOptions
{
    public const int Digits = 6;
    public const int StepSeconds = 30;

    /// <summary>Shown by authenticator apps next to the account, e.g. "Bastion" or "Acme Bastion".</summary>
    public string Issuer { get; init; } = "Bastion";

    /// <summary>Steps accepted before and after the current one, for phone clocks that run early or late.</summary>
    public int AllowedDriftSteps { get; init; } = 1;
}
