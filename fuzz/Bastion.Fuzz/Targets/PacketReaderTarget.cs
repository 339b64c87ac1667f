using System.Buffers.Binary;
using Bastion.Ssh.Algorithms;
using Bastion.Ssh.Algorithms.Ciphers;
using Bastion.Ssh.Transport;
using Bastion.Ssh.Wire;

namespace Bastion.Fuzz.Targets;

/// <summary>
/// The receiving half of the binary packet protocol with one cipher (and MAC) under fixed keys. The first input byte
/// picks the mode: even — the rest is raw wire bytes (the decrypt/verify path must reject garbage cleanly); odd —
/// the rest is a plaintext packet body (padding_length, payload, padding) that the harness seals with the same keys,
/// so the checks after authentication (padding, payload length) are reached too. Any packets that follow are read
/// as they come.
/// </summary>
internal sealed class PacketReaderTarget : IFuzzTarget
{
    private readonly Func<IPacketProtection> _create;

    private PacketReaderTarget(Func<IPacketProtection> create) => _create = create;

    public static PacketReaderTarget Plain() => new(() => NoProtection.Instance);

    public static PacketReaderTarget For(string cipherName, string? macName)
    {
        var table = AlgorithmTable.Default;
        var cipher = table.FindCipher(cipherName) ?? throw new ArgumentException($"no cipher {cipherName}");
        var mac = macName is null ? null : table.FindMac(macName) ?? throw new ArgumentException($"no MAC {macName}");
        var key = Fixed(cipher.KeyLength, 0x11);
        var iv = Fixed(cipher.IvLength, 0x22);
        var macKey = mac is null ? [] : Fixed(mac.KeyLength, 0x33);
        return new(() => cipher.Create(key, iv, mac, macKey));
    }

    private static byte[] Fixed(int length, byte seed) => Enumerable.Range(0, length).Select(i => (byte)(seed + i)).ToArray();

    public void Run(byte[] input)
    {
        if (input.Length == 0)
        {
            return;
        }
        var wire = (input[0] & 1) == 0 ? input[1..] : Seal(input.AsSpan(1));
        using var buffer = new InputBuffer(new MemoryStream(wire, writable: false));
        using var reader = new PacketReader(buffer);
        reader.ChangeProtection(_create(), resetSequenceNumber: true);
        try
        {
            for (var packets = 0; packets < 64; packets++)
            {
                var packet = reader.ReadAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult();
                if (packet is not { } p)
                {
                    break;
                }
                if (p.Payload.Length == 0 || p.Payload.Length > PacketReader.MaxPacketLength)
                {
                    throw new InvalidOperationException($"packet reader returned a payload of {p.Payload.Length} bytes");
                }
                _ = p.Number;
            }
        }
        catch (SshProtocolException)
        {
            // Documented rejection: bad length, alignment, MAC/tag, padding, truncation.
        }
    }

    /// <summary>Seals body (padded with zeros to the block size) as sequence number 0, followed by nothing.</summary>
    internal byte[] Seal(ReadOnlySpan<byte> body)
    {
        using var sealer = _create();
        var aligned = body.Length + (sealer.LengthIsAligned ? 4 : 0);
        var padded = (aligned + sealer.BlockSize - 1) / sealer.BlockSize * sealer.BlockSize - (sealer.LengthIsAligned ? 4 : 0);
        while (padded < sealer.BlockSize)
        {
            padded += sealer.BlockSize;
        }
        if (padded > PacketReader.MaxPacketLength)
        {
            return body.ToArray();
        }
        var wire = new byte[4 + padded + sealer.TagLength];
        BinaryPrimitives.WriteUInt32BigEndian(wire, (uint)padded);
        body.CopyTo(wire.AsSpan(4));
        sealer.Seal(0, wire.AsSpan(0, 4 + padded), wire.AsSpan(4 + padded));
        return wire;
    }
}
