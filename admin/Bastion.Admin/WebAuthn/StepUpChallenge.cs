using System.Security.Cryptography;

namespace Bastion.Admin.WebAuthn;

/// <summary>
/// The challenge of a step-up ceremony: a random nonce followed by a hash that binds it to the purpose ("step-up")
/// and to the session asking (the SHA-256 of its token). The authenticator signs the challenge, so the assertion
/// counts for this step-up of this session only: one made for the sign-in ceremony, a login approval, or another
/// session's step-up does not verify here.
/// </summary>
public static class StepUpChallenge
{
    private const int NonceLength = 16;
    private static readonly byte[] Purpose = "bastion-admin step-up v1\0"u8.ToArray();

    public static byte[] Create(byte[] sessionTokenHash)
    {
        var nonce = RandomNumberGenerator.GetBytes(NonceLength);
        return [.. nonce, .. Binding(sessionTokenHash, nonce)];
    }

    /// <summary>Whether <paramref name="challenge"/> was made by <see cref="Create"/> for this session.</summary>
    public static bool IsFor(byte[] challenge, byte[] sessionTokenHash)
    {
        if (challenge.Length != NonceLength + SHA256.HashSizeInBytes)
        {
            return false;
        }
        var nonce = challenge.AsSpan(0, NonceLength).ToArray();
        return CryptographicOperations.FixedTimeEquals(challenge.AsSpan(NonceLength), Binding(sessionTokenHash, nonce));
    }

    private static byte[] Binding(byte[] sessionTokenHash, byte[] nonce) => SHA256.HashData([.. Purpose, .. sessionTokenHash, .. nonce]);
}
