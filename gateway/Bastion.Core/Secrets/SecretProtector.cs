using System.Security.Cryptography;
using Bastion.Ssh.Wire;

namespace Bastion.Core.Secrets;

/// <summary>
/// Encrypts small secrets (TOTP seeds) with AES-256-GCM under the key in the key file. Output format:
/// <c>version (1 byte, = 1) || nonce (12) || ciphertext || tag (16)</c>. The associated data binds the
/// ciphertext to its purpose and user name, so a seed copied onto another user's row will not decrypt.
/// Thread-safe.
/// </summary>
public sealed class SecretProtector : IDisposable
{
    /// <summary>Purpose label for TOTP seeds.</summary>
    public const string TotpPurpose = "totp-seed";

    private const byte Version = 1;
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private const int HeaderSize = 1 + NonceSize;

    private readonly byte[] _key;

    /// <summary>Uses <paramref name="key"/> (32 bytes) directly; prefer <see cref="LoadOrCreateAsync"/>.</summary>
    public SecretProtector(ReadOnlySpan<byte> key)
    {
        if (key.Length != KeyFile.KeySize)
        {
            throw new ArgumentException($"the secret key must be {KeyFile.KeySize} bytes, not {key.Length}", nameof(key));
        }
        _key = key.ToArray();
    }

    /// <summary>
    /// Loads the key file at <paramref name="keyFilePath"/>, creating it (mode 0600) with a random key if it does
    /// not exist. Throws <see cref="SecretProtectionException"/> if the file is readable by group/others
    /// (the message says to chmod 600) or does not hold a key.
    /// </summary>
    public static async Task<SecretProtector> LoadOrCreateAsync(string keyFilePath, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(keyFilePath);
        var key = await KeyFile.LoadOrCreateAsync(keyFilePath, ct).ConfigureAwait(false);
        try
        {
            return new SecretProtector(key);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    /// <summary>Encrypts <paramref name="secret"/> for <paramref name="userName"/> and <paramref name="purpose"/>.</summary>
    public byte[] Protect(Secret secret, string purpose, string userName)
    {
        ArgumentNullException.ThrowIfNull(secret);
        var plaintext = secret.Reveal();
        var output = new byte[HeaderSize + plaintext.Length + TagSize];
        output[0] = Version;
        var nonce = output.AsSpan(1, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_key, TagSize);
        aes.Encrypt(nonce, plaintext, output.AsSpan(HeaderSize, plaintext.Length), output.AsSpan(HeaderSize + plaintext.Length), AssociatedData(purpose, userName));
        return output;
    }

    /// <summary>
    /// Decrypts what <see cref="Protect"/> produced for the same purpose and user. Throws
    /// <see cref="SecretProtectionException"/> if the data was made with another key, for another user or
    /// purpose, or was altered.
    /// </summary>
    public Secret Unprotect(ReadOnlySpan<byte> protectedData, string purpose, string userName)
    {
        if (protectedData.Length < HeaderSize + TagSize || protectedData[0] != Version)
        {
            throw new SecretProtectionException(
                $"the stored secret of {userName} is not in a format this version understands; re-enroll the user");
        }
        var ciphertextLength = protectedData.Length - HeaderSize - TagSize;
        var plaintext = new byte[ciphertextLength];
        try
        {
            using var aes = new AesGcm(_key, TagSize);
            aes.Decrypt(protectedData.Slice(1, NonceSize), protectedData.Slice(HeaderSize, ciphertextLength),
                protectedData[^TagSize..], plaintext, AssociatedData(purpose, userName));
            return new Secret(plaintext);
        }
        catch (AuthenticationTagMismatchException ex)
        {
            throw new SecretProtectionException(
                $"the stored secret of {userName} does not decrypt: it belongs to another user, or the key file changed; restore the right key file or re-enroll the user", ex);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    public void Dispose() => CryptographicOperations.ZeroMemory(_key);

    /// <summary>Length-prefixed fields, so ("ab","c") and ("a","bc") give different associated data.</summary>
    private static byte[] AssociatedData(string purpose, string userName)
    {
        ArgumentException.ThrowIfNullOrEmpty(purpose);
        ArgumentException.ThrowIfNullOrEmpty(userName);
        using var writer = new SshWriter(64);
        writer.WriteString("bastion-secret-v1");
        writer.WriteString(purpose);
        writer.WriteString(userName);
        return writer.ToArray();
    }

    public override string ToString() => "SecretProtector [key redacted]";
}
