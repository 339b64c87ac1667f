namespace Bastion.Core.Store;

/// <summary>
/// A user's TOTP seed, encrypted by <see cref="Secrets.SecretProtector"/>, and the last time step that was
/// accepted (codes for that step or earlier are refused, which makes each code single-use).
/// </summary>
public sealed record TotpCredential(long UserId, byte[] EncryptedSecret, DateTimeOffset CreatedAt, long LastAcceptedStep)
{
    /// <summary>Never print the ciphertext: it is harmless without the key file, but logs travel far.</summary>
    public override string ToString() => $"TotpCredential {{ UserId = {UserId}, LastAcceptedStep = {LastAcceptedStep} }}";
}
