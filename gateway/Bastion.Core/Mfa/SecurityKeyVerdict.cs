namespace Bastion.Core.Mfa;

/// <summary>What the security-key rules say about one verified sk-* signature.</summary>
public enum SecurityKeyVerdict
{
    Accepted,

    /// <summary>The user-presence flag (0x01) is missing and the key is not marked no-touch-required.</summary>
    PresenceMissing,

    /// <summary>The key is marked verify-required but the user-verified flag (0x04) is missing.</summary>
    VerificationMissing,
}

/// <summary>Flags and counter reported by an sk-* signature (OpenSSH PROTOCOL.u2f).</summary>
public readonly record struct SecurityKeyAssertion(byte Flags, uint Counter)
{
    public const byte UserPresent = 0x01;
    public const byte UserVerified = 0x04;

    public bool Presence => (Flags & UserPresent) != 0;

    public bool Verified => (Flags & UserVerified) != 0;

    public override string ToString() => $"flags=0x{Flags:x2} (presence {(Presence ? "yes" : "no")}, verified {(Verified ? "yes" : "no")}) counter={Counter}";
}
