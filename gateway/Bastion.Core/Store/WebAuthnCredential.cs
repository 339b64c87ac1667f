namespace Bastion.Core.Store;

/// <summary>A WebAuthn credential (security key or passkey) a person uses to log in to the admin web app.</summary>
/// <param name="CredentialId">The authenticator's credential id; unique across all users.</param>
/// <param name="PublicKey">COSE-encoded public key as returned at registration.</param>
/// <param name="SignatureCounter">The highest signature counter accepted so far (0 for authenticators without one).</param>
/// <param name="Nickname">What the person called it ("yubikey blue"); free text, shown HTML-encoded.</param>
public sealed record WebAuthnCredential(
    long Id,
    long UserId,
    byte[] CredentialId,
    byte[] PublicKey,
    long SignatureCounter,
    string Nickname,
    string? AttestationFormat,
    Guid AaGuid,
    string Transports,
    DateTimeOffset CreatedAt,
    DateTimeOffset? LastUsedAt);

/// <summary>What is needed to store a freshly registered credential.</summary>
public sealed record NewWebAuthnCredential(long UserId, byte[] CredentialId, byte[] PublicKey, long SignatureCounter, string Nickname)
{
    public string? AttestationFormat { get; init; }

    public Guid AaGuid { get; init; }

    /// <summary>Comma-separated transports ("usb,nfc"), as reported by the browser.</summary>
    public string Transports { get; init; } = "";

    /// <summary>Throws <see cref="InvalidEntityException"/> describing the first problem found.</summary>
    public void Validate()
    {
        if (CredentialId is null || CredentialId.Length is 0 or > 1023)
        {
            throw new InvalidEntityException("the credential id is empty or longer than 1023 bytes");
        }
        if (PublicKey is null || PublicKey.Length is 0 or > 4096)
        {
            throw new InvalidEntityException("the credential public key is empty or longer than 4096 bytes");
        }
        if (SignatureCounter is < 0 or > uint.MaxValue)
        {
            throw new InvalidEntityException("the signature counter is outside 0..2^32-1");
        }
        if (Nickname is null || Nickname.Length > 100 || Nickname.Any(char.IsControl))
        {
            throw new InvalidEntityException("a security key name is at most 100 characters without control characters");
        }
    }
}

/// <summary>A TOTP seed that was shown to the user but not yet confirmed with a valid code.</summary>
public sealed record PendingTotp(long UserId, byte[] EncryptedSecret, DateTimeOffset CreatedAt)
{
    public override string ToString() => $"PendingTotp {{ UserId = {UserId}, CreatedAt = {CreatedAt:O} }}";
}
