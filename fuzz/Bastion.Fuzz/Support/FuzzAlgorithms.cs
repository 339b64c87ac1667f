using System.Buffers.Binary;
using System.Security.Cryptography;
using Bastion.Ssh.Algorithms;
using Bastion.Ssh.Algorithms.Ciphers;
using Bastion.Ssh.Algorithms.HostKeys;
using Bastion.Ssh.Algorithms.KeyExchange;
using Bastion.Ssh.Algorithms.Macs;

namespace Bastion.Fuzz.Support;

/// <summary>
/// Stand-in algorithms, built on the library's public extension points, that let a scripted client finish key exchange
/// without doing any cryptography: a key exchange with a constant shared secret, a host key with a constant signature
/// and a cipher that leaves packets in the clear. The real kex driver, packet reader and every layer above run unchanged,
/// so the fuzzer's bytes reach userauth and the connection service instead of stopping at a MAC. Never offered by a server.
/// </summary>
internal static class FuzzAlgorithms
{
    public const string KexName = "fuzz-constant-kex@bastion.invalid";
    public const string HostKeyName = "fuzz-constant-hostkey@bastion.invalid";
    public const string CipherName = "fuzz-cleartext@bastion.invalid";

    public static AlgorithmTable Table { get; } = new()
    {
        KeyExchanges = [new ConstantKeyExchange()],
        Ciphers = [new CleartextCipher()],
        Macs = AlgorithmTable.Default.Macs,
        PublicKeys = AlgorithmTable.Default.PublicKeys,
    };

    public static HostKey HostKey { get; } = new ConstantHostKey();

    private sealed class ConstantKeyExchange : KeyExchangeAlgorithm
    {
        public override string Name => KexName;
        public override HashAlgorithmName HashAlgorithm => HashAlgorithmName.SHA256;
        public override IServerKeyExchange CreateServer() => new Server();
        public override IClientKeyExchange CreateClient() => throw new NotSupportedException("the fuzz key exchange has no client role");

        private sealed class Server : IServerKeyExchange
        {
            public KeyExchangeResult Respond(ReadOnlySpan<byte> clientPublic) => new(new byte[32], [0, 0, 0, 1, 0x2a]);
            public void Dispose() { }
        }
    }

    private sealed class ConstantHostKey : HostKey
    {
        public override string KeyType => HostKeyName;
        public override IReadOnlyList<string> SignatureAlgorithms { get; } = [HostKeyName];
        public override byte[] PublicKeyBlob { get; } = [0, 0, 0, 4, (byte)'f', (byte)'u', (byte)'z', (byte)'z'];
        public override byte[] Sign(string signatureAlgorithm, ReadOnlySpan<byte> data) => [0, 0, 0, 1, (byte)'x', 0, 0, 0, 0];
    }

    private sealed class CleartextCipher : CipherAlgorithm
    {
        public override string Name => CipherName;
        public override int KeyLength => 16;
        public override int IvLength => 16;
        public override bool IsAead => true;
        public override IPacketProtection Create(ReadOnlySpan<byte> key, ReadOnlySpan<byte> iv, MacAlgorithm? mac, ReadOnlySpan<byte> macKey) => new Cleartext();

        private sealed class Cleartext : IPacketProtection
        {
            public int BlockSize => 8;
            public int TagLength => 0;
            public bool LengthIsAligned => true;
            public uint ReadPacketLength(uint sequenceNumber, ReadOnlySpan<byte> first4) => BinaryPrimitives.ReadUInt32BigEndian(first4);
            public bool Open(uint sequenceNumber, Span<byte> packet, ReadOnlySpan<byte> tag) => true;
            public void Seal(uint sequenceNumber, Span<byte> packet, Span<byte> tag) { }
            public void Dispose() { }
        }
    }
}
