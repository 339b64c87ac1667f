using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Bastion.Ssh;
using Bastion.Ssh.Algorithms;
using Bastion.Ssh.Algorithms.Ciphers;
using Bastion.Ssh.Algorithms.HostKeys;
using Bastion.Ssh.Algorithms.Macs;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bastion.Fuzz.Capture;

/// <summary>
/// Seed capture: the real server (every real algorithm) on 127.0.0.1:PORT, accepting any valid public key signature or the
/// keyboard-interactive code 424242, with each cipher wrapped so the client's packets are also written down after they
/// are decrypted and authenticated. Per connection N it writes DIR/N.raw (every byte the client sent, identification
/// line and cleartext KEXINIT included) and DIR/N.payloads ([uint16 length][payload] per decrypted packet, the fuzz
/// input format of the session targets). Runs until killed; real clients (ssh, plink, dbclient) connect to it.
/// </summary>
internal static class CaptureServer
{
    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length != 2)
        {
            Console.Error.WriteLine("usage: Bastion.Fuzz capture PORT DIR");
            return 2;
        }
        var dir = Directory.CreateDirectory(args[1]).FullName;
        using var hostKey = Ed25519HostKey.Generate();
        var listener = new TcpListener(IPAddress.Loopback, int.Parse(args[0], CultureInfo.InvariantCulture));
        listener.Start();
        Console.WriteLine($"capturing on {listener.LocalEndpoint} into {dir}");
        for (var n = 1; ; n++)
        {
            var socket = await listener.AcceptSocketAsync();
            var number = n;
            _ = Task.Run(async () =>
            {
                await using var payloads = File.Create(Path.Combine(dir, $"{number}.payloads"));
                await using var raw = File.Create(Path.Combine(dir, $"{number}.raw"));
                var gate = new object();
                void Record(ReadOnlySpan<byte> payload)
                {
                    lock (gate)
                    {
                        Span<byte> length = stackalloc byte[2];
                        BinaryPrimitives.WriteUInt16BigEndian(length, (ushort)Math.Min(payload.Length, ushort.MaxValue));
                        payloads.Write(length);
                        payloads.Write(payload);
                    }
                }
                var table = AlgorithmTable.Default;
                var options = new SshServerOptions
                {
                    HostKeys = [hostKey],
                    AuthFailureDelay = TimeSpan.Zero,
                    Algorithms = new AlgorithmTable
                    {
                        KeyExchanges = table.KeyExchanges,
                        Ciphers = table.Ciphers.Select(c => (CipherAlgorithm)new RecordingCipher(c, Record)).ToArray(),
                        Macs = table.Macs,
                        PublicKeys = table.PublicKeys,
                    },
                };
                var stream = new TeeStream(new NetworkStream(socket, ownsSocket: true), raw);
                await new SshServerSession(stream, options, new CaptureHandler(), NullLogger.Instance).RunAsync(CancellationToken.None);
                Console.WriteLine($"connection {number} done");
            });
        }
    }

    private sealed class CaptureHandler : Support.FuzzSessionHandler
    {
        public override ValueTask<Bastion.Ssh.Authentication.AuthResult> AuthenticatePublicKeyAsync(string userName, Bastion.Ssh.Algorithms.PublicKeys.SshPublicKey key, string algorithm,
            Bastion.Ssh.Algorithms.PublicKeys.SignatureCheck signature, CancellationToken cancellationToken) =>
            ValueTask.FromResult(signature.Valid ? Bastion.Ssh.Authentication.AuthResult.Succeeded() : Bastion.Ssh.Authentication.AuthResult.Failed(["publickey", "keyboard-interactive"]));

        public override ValueTask<Bastion.Ssh.Authentication.KeyboardInteractiveStep> BeginKeyboardInteractiveAsync(string userName, CancellationToken cancellationToken) =>
            ValueTask.FromResult(Bastion.Ssh.Authentication.KeyboardInteractiveStep.Ask("capture", "", new Bastion.Ssh.Messages.KeyboardInteractivePrompt("Code: ", false)));

        public override ValueTask<bool> IsPublicKeyAcceptableAsync(string userName, Bastion.Ssh.Algorithms.PublicKeys.SshPublicKey key, CancellationToken cancellationToken) =>
            ValueTask.FromResult(true);
    }

    /// <summary>A cipher by the same name whose protection reports each authenticated, decrypted payload.</summary>
    private sealed class RecordingCipher(CipherAlgorithm inner, RecordPayload record) : CipherAlgorithm
    {
        public override string Name => inner.Name;
        public override int KeyLength => inner.KeyLength;
        public override int IvLength => inner.IvLength;
        public override bool IsAead => inner.IsAead;

        public override IPacketProtection Create(ReadOnlySpan<byte> key, ReadOnlySpan<byte> iv, MacAlgorithm? mac, ReadOnlySpan<byte> macKey) =>
            new Recording(inner.Create(key, iv, mac, macKey), record);

        private sealed class Recording(IPacketProtection inner, RecordPayload record) : IPacketProtection
        {
            public int BlockSize => inner.BlockSize;
            public int TagLength => inner.TagLength;
            public bool LengthIsAligned => inner.LengthIsAligned;
            public uint ReadPacketLength(uint sequenceNumber, ReadOnlySpan<byte> first4) => inner.ReadPacketLength(sequenceNumber, first4);

            public bool Open(uint sequenceNumber, Span<byte> packet, ReadOnlySpan<byte> tag)
            {
                if (!inner.Open(sequenceNumber, packet, tag))
                {
                    return false;
                }
                var padding = packet[4];
                var payloadLength = packet.Length - 5 - padding;
                if (payloadLength > 0)
                {
                    record(packet.Slice(5, payloadLength));
                }
                return true;
            }

            public void Seal(uint sequenceNumber, Span<byte> packet, Span<byte> tag) => inner.Seal(sequenceNumber, packet, tag);
            public void Dispose() => inner.Dispose();
        }
    }

    private delegate void RecordPayload(ReadOnlySpan<byte> payload);

    /// <summary>Copies every byte read from the client to a file.</summary>
    private sealed class TeeStream(Stream inner, Stream copy) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var n = await inner.ReadAsync(buffer, cancellationToken);
            lock (copy)
            {
                copy.Write(buffer.Span[..n]);
            }
            return n;
        }

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();
        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => inner.WriteAsync(buffer, cancellationToken);
        public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);
        public override void Flush() => inner.Flush();
        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
