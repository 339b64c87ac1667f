using Bastion.Ssh.Wire;

namespace Bastion.Ssh.Messages;

public sealed record DisconnectMessage(DisconnectReason Reason, string Description, string Language = "") : ISshMessage
{
    public byte Number => MessageNumber.Disconnect;

    public void Write(SshWriter writer)
    {
        writer.WriteByte(Number);
        writer.WriteUInt32((uint)Reason);
        writer.WriteString(Description);
        writer.WriteString(Language);
    }

    public static DisconnectMessage Read(ReadOnlySpan<byte> payload)
    {
        var r = MessageReading.Open(payload, MessageNumber.Disconnect);
        var message = new DisconnectMessage((DisconnectReason)r.ReadUInt32(), r.ReadString(), r.ReadString());
        r.EnsureEnd();
        return message;
    }
}

public sealed record IgnoreMessage(byte[] Data) : ISshMessage
{
    public byte Number => MessageNumber.Ignore;

    public void Write(SshWriter writer)
    {
        writer.WriteByte(Number);
        writer.WriteString(Data);
    }

    public static IgnoreMessage Read(ReadOnlySpan<byte> payload)
    {
        var r = MessageReading.Open(payload, MessageNumber.Ignore);
        var message = new IgnoreMessage(r.ReadBinary());
        r.EnsureEnd();
        return message;
    }
}

public sealed record UnimplementedMessage(uint SequenceNumber) : ISshMessage
{
    public byte Number => MessageNumber.Unimplemented;

    public void Write(SshWriter writer)
    {
        writer.WriteByte(Number);
        writer.WriteUInt32(SequenceNumber);
    }

    public static UnimplementedMessage Read(ReadOnlySpan<byte> payload)
    {
        var r = MessageReading.Open(payload, MessageNumber.Unimplemented);
        var message = new UnimplementedMessage(r.ReadUInt32());
        r.EnsureEnd();
        return message;
    }
}

public sealed record DebugMessage(bool AlwaysDisplay, string Text, string Language = "") : ISshMessage
{
    public byte Number => MessageNumber.Debug;

    public void Write(SshWriter writer)
    {
        writer.WriteByte(Number);
        writer.WriteBoolean(AlwaysDisplay);
        writer.WriteString(Text);
        writer.WriteString(Language);
    }

    public static DebugMessage Read(ReadOnlySpan<byte> payload)
    {
        var r = MessageReading.Open(payload, MessageNumber.Debug);
        var message = new DebugMessage(r.ReadBoolean(), r.ReadString(), r.ReadString());
        r.EnsureEnd();
        return message;
    }
}

public sealed record ServiceRequestMessage(string ServiceName) : ISshMessage
{
    public byte Number => MessageNumber.ServiceRequest;

    public void Write(SshWriter writer)
    {
        writer.WriteByte(Number);
        writer.WriteString(ServiceName);
    }

    public static ServiceRequestMessage Read(ReadOnlySpan<byte> payload)
    {
        var r = MessageReading.Open(payload, MessageNumber.ServiceRequest);
        var message = new ServiceRequestMessage(r.ReadString());
        r.EnsureEnd();
        return message;
    }
}

public sealed record ServiceAcceptMessage(string ServiceName) : ISshMessage
{
    public byte Number => MessageNumber.ServiceAccept;

    public void Write(SshWriter writer)
    {
        writer.WriteByte(Number);
        writer.WriteString(ServiceName);
    }

    public static ServiceAcceptMessage Read(ReadOnlySpan<byte> payload)
    {
        var r = MessageReading.Open(payload, MessageNumber.ServiceAccept);
        var message = new ServiceAcceptMessage(r.ReadString());
        r.EnsureEnd();
        return message;
    }
}

/// <summary>RFC 8308 SSH_MSG_EXT_INFO: extension name → value (e.g. server-sig-algs).</summary>
public sealed record ExtInfoMessage(IReadOnlyList<KeyValuePair<string, byte[]>> Extensions) : ISshMessage
{
    public byte Number => MessageNumber.ExtInfo;

    public void Write(SshWriter writer)
    {
        writer.WriteByte(Number);
        writer.WriteUInt32((uint)Extensions.Count);
        foreach (var (name, value) in Extensions)
        {
            writer.WriteString(name);
            writer.WriteString(value);
        }
    }

    public static ExtInfoMessage Read(ReadOnlySpan<byte> payload)
    {
        var r = MessageReading.Open(payload, MessageNumber.ExtInfo);
        var count = r.ReadUInt32();
        if (count > 64)
        {
            throw new SshProtocolException($"EXT_INFO claims {count} extensions; at most 64 are accepted");
        }
        var list = new List<KeyValuePair<string, byte[]>>((int)count);
        for (var i = 0; i < count; i++)
        {
            list.Add(new(r.ReadString(), r.ReadBinary()));
        }
        r.EnsureEnd();
        return new ExtInfoMessage(list);
    }
}

public sealed record KexInitMessage : ISshMessage
{
    public required byte[] Cookie { get; init; }
    public required string[] KexAlgorithms { get; init; }
    public required string[] ServerHostKeyAlgorithms { get; init; }
    public required string[] CiphersClientToServer { get; init; }
    public required string[] CiphersServerToClient { get; init; }
    public required string[] MacsClientToServer { get; init; }
    public required string[] MacsServerToClient { get; init; }
    public required string[] CompressionClientToServer { get; init; }
    public required string[] CompressionServerToClient { get; init; }
    public string[] LanguagesClientToServer { get; init; } = [];
    public string[] LanguagesServerToClient { get; init; } = [];
    public bool FirstKexPacketFollows { get; init; }
    public uint Reserved { get; init; }

    public byte Number => MessageNumber.KexInit;

    public void Write(SshWriter writer)
    {
        writer.WriteByte(Number);
        writer.WriteBytes(Cookie);
        writer.WriteNameList(KexAlgorithms);
        writer.WriteNameList(ServerHostKeyAlgorithms);
        writer.WriteNameList(CiphersClientToServer);
        writer.WriteNameList(CiphersServerToClient);
        writer.WriteNameList(MacsClientToServer);
        writer.WriteNameList(MacsServerToClient);
        writer.WriteNameList(CompressionClientToServer);
        writer.WriteNameList(CompressionServerToClient);
        writer.WriteNameList(LanguagesClientToServer);
        writer.WriteNameList(LanguagesServerToClient);
        writer.WriteBoolean(FirstKexPacketFollows);
        writer.WriteUInt32(Reserved);
    }

    public static KexInitMessage Read(ReadOnlySpan<byte> payload)
    {
        var r = MessageReading.Open(payload, MessageNumber.KexInit);
        var message = new KexInitMessage
        {
            Cookie = r.ReadBytes(16).ToArray(),
            KexAlgorithms = r.ReadNameList(),
            ServerHostKeyAlgorithms = r.ReadNameList(),
            CiphersClientToServer = r.ReadNameList(),
            CiphersServerToClient = r.ReadNameList(),
            MacsClientToServer = r.ReadNameList(),
            MacsServerToClient = r.ReadNameList(),
            CompressionClientToServer = r.ReadNameList(),
            CompressionServerToClient = r.ReadNameList(),
            LanguagesClientToServer = r.ReadNameList(),
            LanguagesServerToClient = r.ReadNameList(),
            FirstKexPacketFollows = r.ReadBoolean(),
            Reserved = r.ReadUInt32(),
        };
        r.EnsureEnd();
        return message;
    }
}

public sealed record NewKeysMessage : ISshMessage
{
    public byte Number => MessageNumber.NewKeys;

    public void Write(SshWriter writer) => writer.WriteByte(Number);

    public static NewKeysMessage Read(ReadOnlySpan<byte> payload)
    {
        var r = MessageReading.Open(payload, MessageNumber.NewKeys);
        r.EnsureEnd();
        return new NewKeysMessage();
    }
}

/// <summary>
/// SSH_MSG_KEXDH_INIT / SSH_MSG_KEX_ECDH_INIT (both number 30): the client's public value. For finite-field DH
/// the string holds the mpint encoding of e, so one shape serves every family.
/// </summary>
public sealed record KexEcdhInitMessage(byte[] ClientPublic) : ISshMessage
{
    public byte Number => MessageNumber.KexEcdhInit;

    public void Write(SshWriter writer)
    {
        writer.WriteByte(Number);
        writer.WriteString(ClientPublic);
    }

    public static KexEcdhInitMessage Read(ReadOnlySpan<byte> payload)
    {
        var r = MessageReading.Open(payload, MessageNumber.KexEcdhInit);
        var message = new KexEcdhInitMessage(r.ReadBinary());
        r.EnsureEnd();
        return message;
    }
}

/// <summary>SSH_MSG_KEXDH_REPLY / SSH_MSG_KEX_ECDH_REPLY (31): host key, server public value, signature of H.</summary>
public sealed record KexEcdhReplyMessage(byte[] HostKeyBlob, byte[] ServerPublic, byte[] Signature) : ISshMessage
{
    public byte Number => MessageNumber.KexEcdhReply;

    public void Write(SshWriter writer)
    {
        writer.WriteByte(Number);
        writer.WriteString(HostKeyBlob);
        writer.WriteString(ServerPublic);
        writer.WriteString(Signature);
    }

    public static KexEcdhReplyMessage Read(ReadOnlySpan<byte> payload)
    {
        var r = MessageReading.Open(payload, MessageNumber.KexEcdhReply);
        var message = new KexEcdhReplyMessage(r.ReadBinary(), r.ReadBinary(), r.ReadBinary());
        r.EnsureEnd();
        return message;
    }
}
