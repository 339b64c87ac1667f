using System.Security.Cryptography;

namespace Bastion.Core.Secrets;

/// <summary>
/// Secret bytes (a TOTP seed) that must not end up in logs: <see cref="ToString"/> prints "[redacted]", so a
/// careless interpolation or a logged record shows nothing. <see cref="Dispose"/> wipes the bytes.
/// </summary>
public sealed class Secret : IDisposable
{
    private readonly byte[] _bytes;

    /// <summary>Takes a copy of <paramref name="bytes"/>; the caller should wipe its own.</summary>
    public Secret(ReadOnlySpan<byte> bytes) => _bytes = bytes.ToArray();

    public int Length => _bytes.Length;

    /// <summary>The secret itself. Do not keep the span beyond the Secret's lifetime.</summary>
    public ReadOnlySpan<byte> Reveal() => _bytes;

    public void Dispose() => CryptographicOperations.ZeroMemory(_bytes);

    public override string ToString() => "[redacted]";
}
