using System.Diagnostics.CodeAnalysis;
using System.Text;
using Bastion.Ssh.Wire;

namespace Bastion.Ssh.Algorithms.PublicKeys;

/// <summary>
/// Public key blobs of FIDO security keys (OpenSSH PROTOCOL.u2f): string type || the fields of the plain key
/// type after its name || string application. The application (normally "ssh:") is part of what the
/// authenticator signs, so it identifies which relying party a key was enrolled for.
/// </summary>
public static class SecurityKeyBlob
{
    public const string EcdsaNistP256KeyType = "sk-ecdsa-sha2-nistp256@openssh.com";

    public const string Ed25519KeyType = "sk-ssh-ed25519@openssh.com";

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>True for the security-key types this library verifies.</summary>
    public static bool IsSecurityKeyType(string keyType) => KeyFieldCount(keyType) > 0;

    /// <summary>The application string of a security-key blob, e.g. "ssh:".</summary>
    /// <exception cref="FormatException">The blob is not a well-formed sk-ecdsa / sk-ed25519 public key.</exception>
    public static string ReadApplication(ReadOnlySpan<byte> blob) =>
        TryReadApplication(blob, out var application)
            ? application
            : throw new FormatException(
                $"not a security-key public key: expected a well-formed {EcdsaNistP256KeyType} or {Ed25519KeyType} blob " +
                "(as in the key's .pub line); check that the key was made with ssh-keygen -t ecdsa-sk or -t ed25519-sk");

    /// <summary>Like <see cref="ReadApplication"/>, but false instead of an exception (e.g. for non-sk keys).</summary>
    public static bool TryReadApplication(ReadOnlySpan<byte> blob, [NotNullWhen(true)] out string? application)
    {
        application = null;
        if (!TrySplit(blob, out _, out _, out var raw))
        {
            return false;
        }
        application = StrictUtf8.GetString(raw);
        return true;
    }

    /// <summary>
    /// Splits a security-key blob into its type, the plain key's fields (everything between the type and the
    /// application, to be re-labelled with the plain type) and the raw application bytes. False for anything
    /// malformed: unknown type, truncated or trailing bytes, an application that is not a C string of UTF-8
    /// (OpenSSH reads it with sshbuf_get_cstring, which refuses embedded NULs).
    /// </summary>
    internal static bool TrySplit(ReadOnlySpan<byte> blob, out string keyType, out ReadOnlySpan<byte> keyFields, out ReadOnlySpan<byte> application)
    {
        keyType = "";
        keyFields = default;
        application = default;
        try
        {
            var reader = new SshReader(blob);
            keyType = reader.ReadString();
            var fieldCount = KeyFieldCount(keyType);
            if (fieldCount == 0)
            {
                return false;
            }
            var start = reader.Position;
            for (var i = 0; i < fieldCount; i++)
            {
                reader.ReadStringSpan();
            }
            keyFields = blob[start..reader.Position];
            application = reader.ReadStringSpan();
            reader.EnsureEnd();
            if (application.Contains((byte)0))
            {
                return false;
            }
            StrictUtf8.GetCharCount(application);
            return true;
        }
        catch (SshProtocolException)
        {
            return false;
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
    }

    /// <summary>How many string fields the plain key carries after its name: curve id and Q, or the 32-byte A.</summary>
    private static int KeyFieldCount(string keyType) => keyType switch
    {
        EcdsaNistP256KeyType => 2,
        Ed25519KeyType => 1,
        _ => 0,
    };
}
