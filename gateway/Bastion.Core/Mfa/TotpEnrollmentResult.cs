namespace Bastion.Core.Mfa;

/// <summary>
/// What to show a user once, at enrollment: the base32 seed for manual entry and the otpauth:// URI for a QR
/// code. Both are secrets; <see cref="ToString"/> leaves them out so the result cannot be logged by accident.
/// </summary>
public sealed record TotpEnrollmentResult(string UserName, string Base32Secret, string OtpAuthUri)
{
    public override string ToString() => $"TotpEnrollmentResult {{ UserName = {UserName}, secret = [redacted] }}";
}
