using System.Numerics;
using System.Security.Cryptography;
using System.Text;
using Bastion.Ssh.Wire;

namespace Bastion.Ssh.Algorithms.HostKeys;

/// <summary>
/// OpenSSH's private key file format (PROTOCOL.key), unencrypted only: armored base64 of
/// "openssh-key-v1\0" || string cipher "none" || string kdf "none" || string kdf options || uint32 1 ||
/// string public key blob || string private section, where the private section is two equal check ints,
/// the key type and its private fields, a comment, and padding bytes 1, 2, 3, ... to a multiple of 8.
/// Problems are reported as <see cref="InvalidDataException"/> with a message meant for an operator.
/// </summary>
internal static class OpenSshPrivateKeyFormat
{
    private const string BeginLine = "-----BEGIN OPENSSH PRIVATE KEY-----";
    private const string EndLine = "-----END OPENSSH PRIVATE KEY-----";
    private const int UnencryptedBlockSize = 8;
    private const int Base64LineLength = 70;

    private static readonly byte[] Magic = "openssh-key-v1\0"u8.ToArray();

    public static HostKey Decode(string text)
    {
        var blob = Unarmor(text);
        try
        {
            return DecodeBlob(blob);
        }
        catch (SshProtocolException ex)
        {
            throw new InvalidDataException($"the key is truncated or malformed ({ex.Message}); the file is corrupt", ex);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(blob);
        }
    }

    private static HostKey DecodeBlob(ReadOnlySpan<byte> blob)
    {
        var reader = new SshReader(blob);
        if (reader.Remaining < Magic.Length || !reader.ReadBytes(Magic.Length).SequenceEqual(Magic))
        {
            throw new InvalidDataException("not an OpenSSH private key (the openssh-key-v1 header is missing)");
        }
        var cipher = reader.ReadString();
        var kdf = reader.ReadString();
        reader.ReadStringSpan(); // KDF options: empty when unencrypted.
        if (cipher != "none" || kdf != "none")
        {
            throw new InvalidDataException(
                $"the key is protected by a passphrase (cipher {cipher}, kdf {kdf}); a host key must be unencrypted. " +
                "Remove the passphrase with: ssh-keygen -p -N '' -f <file>");
        }
        var keyCount = reader.ReadUInt32();
        if (keyCount != 1)
        {
            throw new InvalidDataException($"the file holds {keyCount} keys; exactly one is supported");
        }
        var publicBlob = reader.ReadStringSpan();
        var privateSection = reader.ReadStringSpan();
        reader.EnsureEnd();

        if (privateSection.Length % UnencryptedBlockSize != 0)
        {
            throw new InvalidDataException("the private section is not padded to the block size; the file is corrupt");
        }
        var key = DecodePrivateSection(privateSection);
        if (!publicBlob.SequenceEqual(key.PublicKeyBlob))
        {
            key.Dispose();
            throw new InvalidDataException("the public key in the header does not match the private key; the file is corrupt");
        }
        return key;
    }

    public static string Encode(HostKey key, string comment)
    {
        using var privateSection = new SshWriter(2048);
        var check = (uint)RandomNumberGenerator.GetInt32(int.MinValue, int.MaxValue);
        privateSection.WriteUInt32(check);
        privateSection.WriteUInt32(check);
        privateSection.WriteString(key.KeyType);
        switch (key)
        {
            case Ed25519HostKey ed25519:
                WriteEd25519(privateSection, ed25519);
                break;
            case RsaHostKey rsa:
                WriteRsa(privateSection, rsa);
                break;
            default:
                throw new NotSupportedException($"cannot save host keys of type {key.KeyType}");
        }
        privateSection.WriteString(comment);
        for (byte pad = 1; privateSection.Length % UnencryptedBlockSize != 0; pad++)
        {
            privateSection.WriteByte(pad);
        }

        using var file = new SshWriter(privateSection.Length + 256);
        file.WriteBytes(Magic);
        file.WriteString("none");
        file.WriteString("none");
        file.WriteString(ReadOnlySpan<byte>.Empty);
        file.WriteUInt32(1);
        file.WriteString(key.PublicKeyBlob);
        file.WriteString(privateSection.WrittenSpan);
        return Armor(file.WrittenSpan);
    }

    private static HostKey DecodePrivateSection(ReadOnlySpan<byte> section)
    {
        var reader = new SshReader(section);
        if (reader.ReadUInt32() != reader.ReadUInt32())
        {
            throw new InvalidDataException("the check bytes of the private section differ; the file is corrupt");
        }
        var keyType = reader.ReadString();
        HostKey key = keyType switch
        {
            Ed25519HostKey.TypeName => ReadEd25519(ref reader),
            RsaHostKey.TypeName => ReadRsa(ref reader),
            _ => throw new InvalidDataException(
                $"host keys of type {keyType} are not supported; use ssh-ed25519 or ssh-rsa"),
        };
        try
        {
            reader.ReadStringSpan(); // comment
            var padding = reader.ReadRemaining();
            for (var i = 0; i < padding.Length; i++)
            {
                if (padding[i] != (byte)(i + 1))
                {
                    throw new InvalidDataException("the private section has invalid padding; the file is corrupt");
                }
            }
            return key;
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    // Ed25519 private fields: string A (32 bytes) || string seed||A (64 bytes).
    private static Ed25519HostKey ReadEd25519(ref SshReader reader)
    {
        var publicKey = reader.ReadStringSpan();
        var secret = reader.ReadStringSpan();
        if (publicKey.Length != Ed25519HostKey.PublicKeyBytes || secret.Length != Ed25519HostKey.SeedBytes + Ed25519HostKey.PublicKeyBytes)
        {
            throw new InvalidDataException("the Ed25519 key fields have the wrong length; the file is corrupt");
        }
        var key = Ed25519HostKey.FromSeed(secret[..Ed25519HostKey.SeedBytes]);
        if (!key.PublicKey.SequenceEqual(publicKey) || !secret[Ed25519HostKey.SeedBytes..].SequenceEqual(publicKey))
        {
            key.Dispose();
            throw new InvalidDataException("the Ed25519 public key does not belong to the private key; the file is corrupt");
        }
        return key;
    }

    private static void WriteEd25519(SshWriter writer, Ed25519HostKey key)
    {
        Span<byte> secret = stackalloc byte[Ed25519HostKey.SeedBytes + Ed25519HostKey.PublicKeyBytes];
        try
        {
            key.ExportSeed(secret[..Ed25519HostKey.SeedBytes]);
            key.PublicKey.CopyTo(secret[Ed25519HostKey.SeedBytes..]);
            writer.WriteString(key.PublicKey);
            writer.WriteString(secret);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
        }
    }

    // RSA private fields: mpint n || mpint e || mpint d || mpint iqmp || mpint p || mpint q.
    private static RsaHostKey ReadRsa(ref SshReader reader)
    {
        var n = ReadUnsigned(ref reader);
        var e = ReadUnsigned(ref reader);
        var d = ReadUnsigned(ref reader);
        var iqmp = ReadUnsigned(ref reader);
        var p = ReadUnsigned(ref reader);
        var q = ReadUnsigned(ref reader);
        if (n.IsZero || e.IsZero || d.IsZero || p <= BigInteger.One || q <= BigInteger.One || p * q != n)
        {
            throw new InvalidDataException("the RSA key fields are inconsistent; the file is corrupt");
        }
        // .NET wants all CRT parameters, sized to the modulus (D) or half of it (the rest).
        var modulusBytes = n.GetByteCount(isUnsigned: true);
        var halfBytes = (modulusBytes + 1) / 2;
        var parameters = new RSAParameters
        {
            Modulus = Fixed(n, modulusBytes),
            Exponent = e.ToByteArray(isUnsigned: true, isBigEndian: true),
            D = Fixed(d, modulusBytes),
            P = Fixed(p, halfBytes),
            Q = Fixed(q, halfBytes),
            DP = Fixed(d % (p - 1), halfBytes),
            DQ = Fixed(d % (q - 1), halfBytes),
            InverseQ = Fixed(iqmp, halfBytes),
        };
        var rsa = RSA.Create();
        try
        {
            rsa.ImportParameters(parameters);
            return new RsaHostKey(rsa);
        }
        catch (Exception ex) when (ex is CryptographicException or ArgumentException)
        {
            rsa.Dispose();
            throw new InvalidDataException($"the RSA key cannot be used: {ex.Message}", ex);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(parameters.D);
            CryptographicOperations.ZeroMemory(parameters.P);
            CryptographicOperations.ZeroMemory(parameters.Q);
            CryptographicOperations.ZeroMemory(parameters.DP);
            CryptographicOperations.ZeroMemory(parameters.DQ);
            CryptographicOperations.ZeroMemory(parameters.InverseQ);
        }
    }

    private static void WriteRsa(SshWriter writer, RsaHostKey key)
    {
        var parameters = key.Rsa.ExportParameters(includePrivateParameters: true);
        try
        {
            writer.WriteMpintFromUnsigned(parameters.Modulus);
            writer.WriteMpintFromUnsigned(parameters.Exponent);
            writer.WriteMpintFromUnsigned(parameters.D);
            writer.WriteMpintFromUnsigned(parameters.InverseQ);
            writer.WriteMpintFromUnsigned(parameters.P);
            writer.WriteMpintFromUnsigned(parameters.Q);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(parameters.D);
            CryptographicOperations.ZeroMemory(parameters.P);
            CryptographicOperations.ZeroMemory(parameters.Q);
            CryptographicOperations.ZeroMemory(parameters.DP);
            CryptographicOperations.ZeroMemory(parameters.DQ);
            CryptographicOperations.ZeroMemory(parameters.InverseQ);
        }
    }

    private static BigInteger ReadUnsigned(ref SshReader reader)
    {
        var raw = reader.ReadMpintSpan();
        if (!raw.IsEmpty && (raw[0] & 0x80) != 0)
        {
            throw new InvalidDataException("an RSA key field is negative; the file is corrupt");
        }
        return new BigInteger(raw, isUnsigned: true, isBigEndian: true);
    }

    // Sizes come from the file, so a field longer than its slot (unbalanced primes, d or iqmp past the modulus) is
    // corruption to report, not an index to compute.
    private static byte[] Fixed(BigInteger value, int length)
    {
        var valueLength = value.GetByteCount(isUnsigned: true);
        var bytes = new byte[length];
        if (valueLength > length ||
            !value.TryWriteBytes(bytes.AsSpan(length - valueLength), out _, isUnsigned: true, isBigEndian: true))
        {
            throw new InvalidDataException("an RSA key field is larger than the modulus allows; the file is corrupt");
        }
        return bytes;
    }

    private static byte[] Unarmor(string text)
    {
        var lines = text.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var begin = Array.IndexOf(lines, BeginLine);
        var end = Array.IndexOf(lines, EndLine);
        if (begin < 0 || end < begin)
        {
            var hint = text.Contains("-----BEGIN ", StringComparison.Ordinal)
                ? " (it looks like a PEM/PKCS#8 key; rewrite it in OpenSSH format with: ssh-keygen -p -N '' -f <file>)"
                : string.Empty;
            throw new InvalidDataException($"not an OpenSSH private key{hint}");
        }
        var base64 = new StringBuilder();
        for (var i = begin + 1; i < end; i++)
        {
            base64.Append(lines[i]);
        }
        try
        {
            return Convert.FromBase64String(base64.ToString());
        }
        catch (FormatException)
        {
            throw new InvalidDataException("the key body is not valid base64; the file is corrupt");
        }
    }

    private static string Armor(ReadOnlySpan<byte> blob)
    {
        var base64 = Convert.ToBase64String(blob);
        var text = new StringBuilder(base64.Length + 128);
        text.Append(BeginLine).Append('\n');
        for (var i = 0; i < base64.Length; i += Base64LineLength)
        {
            text.Append(base64, i, Math.Min(Base64LineLength, base64.Length - i)).Append('\n');
        }
        text.Append(EndLine).Append('\n');
        return text.ToString();
    }
}
