using Bastion.Ssh.Messages;
using Bastion.Ssh.Wire;

namespace Bastion.Ssh.Tests.Messages;

/// <summary>Every message type: Write then Read gives a message that writes the same bytes, and trailing bytes are rejected.</summary>
public class MessageRoundTripTests
{
    public static TheoryData<ISshMessage> AllMessages() => new()
    {
        new DisconnectMessage(DisconnectReason.ByApplication, "bye", "en"),
        new IgnoreMessage([1, 2, 3]),
        new UnimplementedMessage(42),
        new DebugMessage(true, "debug text"),
        new ServiceRequestMessage("ssh-userauth"),
        new ServiceAcceptMessage("ssh-userauth"),
        new ExtInfoMessage([new("server-sig-algs", "ssh-ed25519,rsa-sha2-512"u8.ToArray()), new("ping@openssh.com", "0"u8.ToArray())]),
        new KexInitMessage
        {
            Cookie = Enumerable.Range(0, 16).Select(i => (byte)i).ToArray(),
            KexAlgorithms = ["curve25519-sha256", "kex-strict-s-v00@openssh.com"],
            ServerHostKeyAlgorithms = ["ssh-ed25519"],
            CiphersClientToServer = ["chacha20-poly1305@openssh.com", "aes128-ctr"],
            CiphersServerToClient = ["aes256-gcm@openssh.com"],
            MacsClientToServer = ["hmac-sha2-256-etm@openssh.com"],
            MacsServerToClient = ["hmac-sha2-512-etm@openssh.com"],
            CompressionClientToServer = ["none"],
            CompressionServerToClient = ["none", "zlib@openssh.com"],
            FirstKexPacketFollows = true,
        },
        new NewKeysMessage(),
        new KexEcdhInitMessage(new byte[32]),
        new KexEcdhReplyMessage([1, 2], [3, 4, 5], [6]),
        new UserAuthRequestMessage("alice", "ssh-connection", new NoneAuthData()),
        new UserAuthRequestMessage("alice", "ssh-connection", new PublicKeyAuthData("ssh-ed25519", [9, 9], null)),
        new UserAuthRequestMessage("alice", "ssh-connection", new PublicKeyAuthData("rsa-sha2-256", [9, 9], [7, 7, 7])),
        new UserAuthRequestMessage("alice", "ssh-connection", new KeyboardInteractiveAuthData("", "")),
        new UserAuthRequestMessage("alice", "ssh-connection", new OtherAuthData("password", [0, 0, 0, 0, 1, 0x41, 0])),
        new UserAuthFailureMessage(["publickey", "keyboard-interactive"], true),
        new UserAuthSuccessMessage(),
        new UserAuthBannerMessage("welcome\r\n"),
        new UserAuthPkOkMessage("ssh-ed25519", [1, 2, 3]),
        new UserAuthInfoRequestMessage("Bastion", "Enter the code", [new KeyboardInteractivePrompt("Verification code: ", false)]),
        new UserAuthInfoResponseMessage(["123456"]),
        new GlobalRequestMessage("keepalive@openssh.com", true, []),
        new RequestSuccessMessage([0, 0, 0, 1]),
        new RequestFailureMessage(),
        new ChannelOpenMessage(3, 2097152, 32768, new SessionChannelOpen()),
        new ChannelOpenMessage(4, 2097152, 32768, new DirectTcpIpChannelOpen("web-1.dev", 22, "127.0.0.1", 40000)),
        new ChannelOpenMessage(5, 100, 100, new OtherChannelOpen("x11", [0, 0, 0, 0])),
        new ChannelOpenConfirmationMessage(1, 2, 3, 4),
        new ChannelOpenFailureMessage(1, ChannelOpenFailureReason.AdministrativelyProhibited, "denied by rule #2"),
        new ChannelWindowAdjustMessage(1, 65536),
        new ChannelDataMessage(1, [1, 2, 3, 4]),
        new ChannelExtendedDataMessage(1, 1, [5, 6]),
        new ChannelEofMessage(1),
        new ChannelCloseMessage(1),
        new ChannelRequestMessage(1, true, new PtyRequest("xterm-256color", 80, 24, 0, 0, [0])),
        new ChannelRequestMessage(1, true, new ShellRequest()),
        new ChannelRequestMessage(1, true, new ExecRequest("uname -a")),
        new ChannelRequestMessage(1, true, new SubsystemRequest("sftp")),
        new ChannelRequestMessage(1, false, new EnvRequest("LANG", "C.UTF-8")),
        new ChannelRequestMessage(1, false, new WindowChangeRequest(120, 40, 0, 0)),
        new ChannelRequestMessage(1, false, new ExitStatusRequest(3)),
        new ChannelRequestMessage(1, true, new OtherChannelRequest("keepalive@openssh.com", [])),
        new ChannelSuccessMessage(1),
        new ChannelFailureMessage(1),
    };

    [Theory]
    [MemberData(nameof(AllMessages))]
    public void Write_then_read_round_trips(ISshMessage message)
    {
        var bytes = Serialize(message);
        Assert.Equal(message.Number, bytes[0]);
        var parsed = Parse(bytes);
        Assert.Equal(message.GetType(), parsed.GetType());
        Assert.Equal(bytes, Serialize(parsed));
    }

    [Theory]
    [MemberData(nameof(AllMessages))]
    public void Truncated_message_is_rejected_not_crashed(ISshMessage message)
    {
        var bytes = Serialize(message);
        for (var length = 1; length < bytes.Length; length++)
        {
            var prefix = bytes[..length];
            try
            {
                var parsed = message is UserAuthInfoRequestMessage ? UserAuthInfoRequestMessage.Read(prefix) : Parse(prefix);
                // Messages whose tail is opaque (global requests, unknown types) may legitimately parse a prefix.
                Assert.True(HasOpaqueTail(parsed), $"{message.GetType().Name} parsed a {length}-byte prefix of {bytes.Length}");
            }
            catch (SshProtocolException)
            {
            }
        }
    }

    [Theory]
    [MemberData(nameof(AllMessages))]
    public void Trailing_bytes_are_rejected(ISshMessage message)
    {
        var bytes = Serialize(message).Concat(new byte[] { 0xAA }).ToArray();
        var parsed = TryParse(bytes, out var error);
        Assert.True(error is not null || HasOpaqueTail(parsed!), $"{message.GetType().Name} accepted a trailing byte");
    }

    [Fact]
    public void Absurd_string_length_is_rejected_without_allocating()
    {
        var bytes = new byte[] { MessageNumber.ServiceRequest, 0xFF, 0xFF, 0xFF, 0xF0, (byte)'a' };
        var ex = Assert.Throws<SshProtocolException>(() => ServiceRequestMessage.Read(bytes));
        Assert.Contains("exceeds", ex.Message);
    }

    [Fact]
    public void Name_list_with_control_bytes_is_rejected()
    {
        using var w = new SshWriter();
        w.WriteByte(MessageNumber.KexInit);
        w.WriteBytes(new byte[16]);
        w.WriteString("curve25519-sha256\n");
        Assert.Throws<SshProtocolException>(() => KexInitMessage.Read(w.ToArray()));
    }

    [Fact]
    public void Too_many_keyboard_interactive_responses_are_rejected()
    {
        using var w = new SshWriter();
        w.WriteByte(MessageNumber.UserAuthInfoResponse);
        w.WriteUInt32(100_000);
        Assert.Throws<SshProtocolException>(() => UserAuthInfoResponseMessage.Read(w.ToArray()));
    }

    private static bool HasOpaqueTail(ISshMessage message) => message is GlobalRequestMessage or RequestSuccessMessage
        or ChannelOpenConfirmationMessage
        or UserAuthRequestMessage { Method: OtherAuthData }
        or ChannelOpenMessage { Details: OtherChannelOpen }
        or ChannelRequestMessage { Details: OtherChannelRequest };

    private static byte[] Serialize(ISshMessage message)
    {
        using var writer = new SshWriter();
        message.Write(writer);
        return writer.ToArray();
    }

    private static ISshMessage? TryParse(byte[] bytes, out SshProtocolException? error)
    {
        try
        {
            error = null;
            return Parse(bytes);
        }
        catch (SshProtocolException ex)
        {
            error = ex;
            return null;
        }
    }

    private static ISshMessage Parse(byte[] bytes) => bytes[0] switch
    {
        MessageNumber.Disconnect => DisconnectMessage.Read(bytes),
        MessageNumber.Ignore => IgnoreMessage.Read(bytes),
        MessageNumber.Unimplemented => UnimplementedMessage.Read(bytes),
        MessageNumber.Debug => DebugMessage.Read(bytes),
        MessageNumber.ServiceRequest => ServiceRequestMessage.Read(bytes),
        MessageNumber.ServiceAccept => ServiceAcceptMessage.Read(bytes),
        MessageNumber.ExtInfo => ExtInfoMessage.Read(bytes),
        MessageNumber.KexInit => KexInitMessage.Read(bytes),
        MessageNumber.NewKeys => NewKeysMessage.Read(bytes),
        MessageNumber.KexEcdhInit => KexEcdhInitMessage.Read(bytes),
        MessageNumber.KexEcdhReply => KexEcdhReplyMessage.Read(bytes),
        MessageNumber.UserAuthRequest => UserAuthRequestMessage.Read(bytes),
        MessageNumber.UserAuthFailure => UserAuthFailureMessage.Read(bytes),
        MessageNumber.UserAuthSuccess => UserAuthSuccessMessage.Read(bytes),
        MessageNumber.UserAuthBanner => UserAuthBannerMessage.Read(bytes),
        // 60 is PK_OK or INFO_REQUEST depending on the method in progress; tell them apart by shape.
        MessageNumber.UserAuthPkOk => TryPkOk(bytes) ?? (ISshMessage)UserAuthInfoRequestMessage.Read(bytes),
        MessageNumber.UserAuthInfoResponse => UserAuthInfoResponseMessage.Read(bytes),
        MessageNumber.GlobalRequest => GlobalRequestMessage.Read(bytes),
        MessageNumber.RequestSuccess => RequestSuccessMessage.Read(bytes),
        MessageNumber.RequestFailure => RequestFailureMessage.Read(bytes),
        MessageNumber.ChannelOpen => ChannelOpenMessage.Read(bytes),
        MessageNumber.ChannelOpenConfirmation => ChannelOpenConfirmationMessage.Read(bytes),
        MessageNumber.ChannelOpenFailure => ChannelOpenFailureMessage.Read(bytes),
        MessageNumber.ChannelWindowAdjust => ChannelWindowAdjustMessage.Read(bytes),
        MessageNumber.ChannelData => ChannelDataMessage.Read(bytes),
        MessageNumber.ChannelExtendedData => ChannelExtendedDataMessage.Read(bytes),
        MessageNumber.ChannelEof => ChannelEofMessage.Read(bytes),
        MessageNumber.ChannelClose => ChannelCloseMessage.Read(bytes),
        MessageNumber.ChannelRequest => ChannelRequestMessage.Read(bytes),
        MessageNumber.ChannelSuccess => ChannelSuccessMessage.Read(bytes),
        MessageNumber.ChannelFailure => ChannelFailureMessage.Read(bytes),
        _ => throw new InvalidOperationException($"no parser for {bytes[0]}"),
    };

    private static ISshMessage? TryPkOk(byte[] bytes)
    {
        try
        {
            return UserAuthPkOkMessage.Read(bytes);
        }
        catch (SshProtocolException)
        {
            return null;
        }
    }
}
