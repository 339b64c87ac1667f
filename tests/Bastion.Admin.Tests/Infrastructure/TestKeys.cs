using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using OtpNet;

namespace Bastion.Admin.Tests.Infrastructure;

/// <summary>Public key lines and TOTP codes computed by the test itself, independently of the app.</summary>
public static class TestKeys
{
    /// <summary>An ssh-ed25519 authorized_keys line with a random key (parsing checks structure, not the curve point).</summary>
    public static string Ed25519Line(string comment) =>
        $"ssh-ed25519 {Convert.ToBase64String(Blob(["ssh-ed25519"u8.ToArray(), RandomNumberGenerator.GetBytes(32)]))} {comment}";

    /// <summary>
    /// An sk-ssh-ed25519@openssh.com line with <paramref name="options"/> (default: ones any user may enrol), as a FIDO
    /// security-key SSH key is pasted.
    /// </summary>
    public static string SecurityKeyLine(string comment, string options = "verify-required,from=\"10.0.0.0/8\"") =>
        $"{options} sk-ssh-ed25519@openssh.com " +
        $"{Convert.ToBase64String(Blob(["sk-ssh-ed25519@openssh.com"u8.ToArray(), RandomNumberGenerator.GetBytes(32), "ssh:"u8.ToArray()]))} {comment}";

    /// <summary>RFC 6238 code (SHA-1, 6 digits, 30 s) for a base32 secret at <paramref name="time"/> (default now).</summary>
    public static string TotpCode(string base32Secret, DateTime? time = null) =>
        new Totp(Base32Encoding.ToBytes(base32Secret)).ComputeTotp(time ?? DateTime.UtcNow);

    private static byte[] Blob(byte[][] fields)
    {
        using var stream = new MemoryStream();
        Span<byte> length = stackalloc byte[4];
        foreach (var field in fields)
        {
            BinaryPrimitives.WriteUInt32BigEndian(length, (uint)field.Length);
            stream.Write(length);
            stream.Write(field);
        }
        return stream.ToArray();
    }
}
