namespace Bastion.Core.Keys;

/// <summary>The SSH public key types users may register. DSA and anything legacy is refused.</summary>
public static class SupportedKeyTypes
{
    public const string Ed25519 = "ssh-ed25519";
    public const string EcdsaP256 = "ecdsa-sha2-nistp256";
    public const string EcdsaP384 = "ecdsa-sha2-nistp384";
    public const string EcdsaP521 = "ecdsa-sha2-nistp521";
    public const string Rsa = "ssh-rsa";
    public const string SecurityKeyEcdsa = "sk-ecdsa-sha2-nistp256@openssh.com";
    public const string SecurityKeyEd25519 = "sk-ssh-ed25519@openssh.com";

    public static IReadOnlyList<string> All { get; } = [Ed25519, EcdsaP256, EcdsaP384, EcdsaP521, Rsa, SecurityKeyEcdsa, SecurityKeyEd25519];

    public static bool IsSupported(string keyType) => All.Contains(keyType, StringComparer.Ordinal);

    /// <summary>
    /// Whether <paramref name="name"/> is spelled like an SSH algorithm name (RFC 4251 §6: 1 to 64 printable US-ASCII
    /// characters, no comma or space), so it can be quoted back in an error without echoing arbitrary bytes.
    /// </summary>
    public static bool IsKeyTypeName(string name) =>
        name.Length is > 0 and <= 64 && name.All(c => c is > ' ' and < (char)127 and not ',');

    /// <summary>True for FIDO security-key types, which the "sk" MFA policies require.</summary>
    public static bool IsSecurityKey(string keyType) => keyType is SecurityKeyEcdsa or SecurityKeyEd25519;
}
