using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Bastion.Ssh.Algorithms.HostKeys;
using Bastion.Ssh.Tests.Algorithms.KeyExchange;
using Bastion.Ssh.Wire;
using Microsoft.Extensions.Logging.Abstractions;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;

namespace Bastion.Ssh.Tests.Session;

/// <summary>
/// A hand-written client drives the server session up to KEX_ECDH_REPLY with each hybrid method, using the
/// BouncyCastle-only client of <see cref="HybridKemKeyExchangeTests.IndependentClient"/>. It computes the
/// exchange hash H itself (RFC 4253 §8 layout with K as a string) and checks the server's Ed25519 signature
/// over it, which holds only if the server derived the same K and the same H.
/// </summary>
public sealed class HybridKexExchangeHashTests
{
    private const string ClientVersion = "SSH-2.0-HybridKexTest";

    [Theory]
    [InlineData("mlkem768x25519-sha256", "SHA256")]
    [InlineData("sntrup761x25519-sha512@openssh.com", "SHA512")]
    [InlineData("sntrup761x25519-sha512", "SHA512")]
    public async Task Server_signs_the_exchange_hash_an_independent_client_computes(string kex, string hash)
    {
        using var hostKey = Ed25519HostKey.Generate();
        var options = new SshServerOptions { HostKeys = [hostKey], AuthFailureDelay = TimeSpan.Zero };
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var serverTask = Task.Run(async () =>
        {
            using var socket = await listener.AcceptSocketAsync(stop.Token);
            var session = new SshServerSession(new NetworkStream(socket, ownsSocket: false), options,
                new RecordingSessionHandler([], null), NullLogger.Instance);
            try
            {
                await session.RunAsync(stop.Token);
            }
            catch (Exception) when (stop.IsCancellationRequested)
            {
            }
        });

        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port, stop.Token);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(ClientVersion + "\r\n"), stop.Token);
        var serverVersion = await ReadIdentificationAsync(stream, stop.Token);
        var clientKexInit = ClientKexInit(kex);
        await stream.WriteAsync(Packet(clientKexInit), stop.Token);
        var serverKexInit = await ReadPacketAsync(stream, stop.Token);
        Assert.Equal(20, serverKexInit[0]);
        Assert.StartsWith("mlkem768x25519-sha256,sntrup761x25519-sha512@openssh.com,sntrup761x25519-sha512,curve25519-sha256",
            FirstNameList(serverKexInit));

        var client = HybridKemKeyExchangeTests.IndependentClient.Create(kex);
        await stream.WriteAsync(Packet([30, .. SshString(client.ClientPublic)]), stop.Token);
        var reply = await ReadPacketAsync(stream, stop.Token);
        Assert.Equal(31, reply[0]);
        var (hostKeyBlob, serverPublic, signature) = ParseReply(reply);
        var k = client.SharedSecret(serverPublic, hash);

        byte[] hashInput =
        [
            .. SshString(Encoding.ASCII.GetBytes(ClientVersion)), .. SshString(Encoding.ASCII.GetBytes(serverVersion)),
            .. SshString(clientKexInit), .. SshString(serverKexInit), .. SshString(hostKeyBlob),
            .. SshString(client.ClientPublic), .. SshString(serverPublic), .. SshString(k),
        ];
        var exchangeHash = hash == "SHA256" ? SHA256.HashData(hashInput) : SHA512.HashData(hashInput);
        Assert.Equal(hostKey.PublicKeyBlob, hostKeyBlob);
        Assert.True(VerifyEd25519(hostKeyBlob, exchangeHash, signature),
            $"the server's signature does not cover the exchange hash computed independently for {kex}");

        await stop.CancelAsync();
        tcp.Close();
        await serverTask.WaitAsync(TimeSpan.FromSeconds(10));
    }

    private static byte[] ClientKexInit(string kex)
    {
        using var w = new SshWriter();
        w.WriteByte(20);
        w.WriteBytes(RandomNumberGenerator.GetBytes(16));
        w.WriteNameList([kex]);
        w.WriteNameList(["ssh-ed25519"]);
        w.WriteNameList(["aes128-ctr"]);
        w.WriteNameList(["aes128-ctr"]);
        w.WriteNameList(["hmac-sha2-256-etm@openssh.com"]);
        w.WriteNameList(["hmac-sha2-256-etm@openssh.com"]);
        w.WriteNameList(["none"]);
        w.WriteNameList(["none"]);
        w.WriteNameList([]);
        w.WriteNameList([]);
        w.WriteBoolean(false);
        w.WriteUInt32(0);
        return w.ToArray();
    }

    private static string FirstNameList(byte[] kexInit)
    {
        var r = new SshReader(kexInit.AsSpan(17));
        return Encoding.ASCII.GetString(r.ReadStringSpan());
    }

    private static (byte[] HostKey, byte[] ServerPublic, byte[] Signature) ParseReply(byte[] payload)
    {
        var r = new SshReader(payload.AsSpan(1));
        var result = (r.ReadBinary(), r.ReadBinary(), r.ReadBinary());
        r.EnsureEnd();
        return result;
    }

    private static bool VerifyEd25519(byte[] hostKeyBlob, byte[] message, byte[] signatureBlob)
    {
        var key = new SshReader(hostKeyBlob);
        Assert.Equal("ssh-ed25519", key.ReadString());
        var verifier = new Ed25519Signer();
        verifier.Init(false, new Ed25519PublicKeyParameters(key.ReadStringSpan()));
        verifier.BlockUpdate(message, 0, message.Length);
        var signature = new SshReader(signatureBlob);
        Assert.Equal("ssh-ed25519", signature.ReadString());
        return verifier.VerifySignature(signature.ReadStringSpan().ToArray());
    }

    private static byte[] SshString(byte[] data) => [.. BigEndian((uint)data.Length), .. data];

    private static byte[] BigEndian(uint value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        return bytes;
    }

    /// <summary>An unencrypted binary packet (RFC 4253 §6): length, padding length, payload, 4-11 padding bytes.</summary>
    private static byte[] Packet(byte[] payload)
    {
        var padding = 8 - ((5 + payload.Length) % 8);
        if (padding < 4)
        {
            padding += 8;
        }
        return [.. BigEndian((uint)(1 + payload.Length + padding)), (byte)padding, .. payload, .. new byte[padding]];
    }

    private static async Task<byte[]> ReadPacketAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        var header = new byte[5];
        await stream.ReadExactlyAsync(header, cancellationToken);
        var length = (int)BinaryPrimitives.ReadUInt32BigEndian(header);
        Assert.InRange(length, 12, 35000);
        var rest = new byte[length - 1];
        await stream.ReadExactlyAsync(rest, cancellationToken);
        return rest[..(rest.Length - header[4])];
    }

    private static async Task<string> ReadIdentificationAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        var line = new List<byte>();
        var one = new byte[1];
        for (var i = 0; i < 8192; i++)
        {
            await stream.ReadExactlyAsync(one, cancellationToken);
            if (one[0] != '\n')
            {
                line.Add(one[0]);
                continue;
            }
            var text = Encoding.ASCII.GetString([.. line]).TrimEnd('\r');
            if (text.StartsWith("SSH-", StringComparison.Ordinal))
            {
                return text;
            }
            line.Clear();
        }
        throw new InvalidOperationException("the server sent no SSH identification line within 8 KiB");
    }
}
