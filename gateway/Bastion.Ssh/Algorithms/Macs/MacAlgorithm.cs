namespace Bastion.Ssh.Algorithms.Macs;

/// <summary>One negotiable MAC, keyed by its wire name. Only encrypt-then-MAC variants are offered.</summary>
public abstract class MacAlgorithm
{
    public abstract string Name { get; }

    public abstract int KeyLength { get; }

    public abstract int DigestLength { get; }

    public abstract bool EncryptThenMac { get; }

    public abstract IPacketMac Create(ReadOnlySpan<byte> key);
}

/// <summary>MAC over uint32 sequence_number || data (RFC 4253 §6.4), with the key bound at creation.</summary>
public interface IPacketMac : IDisposable
{
    int DigestLength { get; }

    void Compute(uint sequenceNumber, ReadOnlySpan<byte> data, Span<byte> digest);

    /// <summary>Constant-time comparison against <paramref name="expected"/>.</summary>
    bool Verify(uint sequenceNumber, ReadOnlySpan<byte> data, ReadOnlySpan<byte> expected);
}
