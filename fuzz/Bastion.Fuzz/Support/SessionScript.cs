using System.Buffers.Binary;
using System.Text;
using Bastion.Ssh.Messages;
using Bastion.Ssh.Wire;

namespace Bastion.Fuzz.Support;

/// <summary>
/// What the scripted client sends: its identification line, a key exchange with <see cref="FuzzAlgorithms"/>, optionally a
/// successful keyboard-interactive login, then the fuzzer's messages. The fuzz input is a sequence of
/// [uint16 length][payload] records (a short last record takes what is left); each payload becomes one cleartext packet.
/// </summary>
internal static class SessionScript
{
    public const string User = "fuzz";
    public const string Code = "424242";

    public static byte[] Build(ReadOnlySpan<byte> input, bool authenticated)
    {
        using var script = new MemoryStream();
        script.Write(Encoding.ASCII.GetBytes("SSH-2.0-BastionFuzz_1.0\r\n"));
        foreach (var message in Prelude(authenticated))
        {
            WritePacket(script, Payload(message));
        }
        foreach (var payload in Split(input))
        {
            WritePacket(script, payload);
        }
        return script.ToArray();
    }

    /// <summary>The inverse of <see cref="Split"/>: turns captured payloads into a fuzz input.</summary>
    public static byte[] Join(IEnumerable<byte[]> payloads)
    {
        using var output = new MemoryStream();
        Span<byte> length = stackalloc byte[2];
        foreach (var payload in payloads)
        {
            BinaryPrimitives.WriteUInt16BigEndian(length, (ushort)payload.Length);
            output.Write(length);
            output.Write(payload);
        }
        return output.ToArray();
    }

    public static IEnumerable<ISshMessage> Prelude(bool authenticated)
    {
        yield return new KexInitMessage
        {
            Cookie = new byte[16],
            KexAlgorithms = [FuzzAlgorithms.KexName, "ext-info-c"],
            ServerHostKeyAlgorithms = [FuzzAlgorithms.HostKeyName],
            CiphersClientToServer = [FuzzAlgorithms.CipherName],
            CiphersServerToClient = [FuzzAlgorithms.CipherName],
            MacsClientToServer = ["hmac-sha2-256-etm@openssh.com"],
            MacsServerToClient = ["hmac-sha2-256-etm@openssh.com"],
            CompressionClientToServer = ["none"],
            CompressionServerToClient = ["none"],
        };
        yield return new KexEcdhInitMessage(new byte[32]);
        yield return new NewKeysMessage();
        if (authenticated)
        {
            yield return new ServiceRequestMessage("ssh-userauth");
            yield return new UserAuthRequestMessage(User, "ssh-connection", new KeyboardInteractiveAuthData("", ""));
            yield return new UserAuthInfoResponseMessage([Code]);
        }
    }

    private static List<byte[]> Split(ReadOnlySpan<byte> input)
    {
        var payloads = new List<byte[]>();
        while (input.Length >= 2)
        {
            var length = Math.Min(BinaryPrimitives.ReadUInt16BigEndian(input), input.Length - 2);
            if (length > 0)
            {
                payloads.Add(input.Slice(2, length).ToArray());
            }
            input = input[(2 + length)..];
        }
        return payloads;
    }

    private static byte[] Payload(ISshMessage message)
    {
        using var writer = new SshWriter();
        message.Write(writer);
        return writer.ToArray();
    }

    /// <summary>RFC 4253 §6 framing with the cleartext cipher: 8-byte alignment including the length, 4..11 bytes of padding.</summary>
    private static void WritePacket(Stream output, ReadOnlySpan<byte> payload)
    {
        var padding = 8 - ((4 + 1 + payload.Length) % 8);
        if (padding < 4)
        {
            padding += 8;
        }
        Span<byte> header = stackalloc byte[5];
        BinaryPrimitives.WriteUInt32BigEndian(header, (uint)(1 + payload.Length + padding));
        header[4] = (byte)padding;
        output.Write(header);
        output.Write(payload);
        output.Write(new byte[padding]);
    }
}
