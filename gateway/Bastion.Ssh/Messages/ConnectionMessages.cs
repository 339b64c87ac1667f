using Bastion.Ssh.Wire;

namespace Bastion.Ssh.Messages;

/// <summary>SSH_MSG_GLOBAL_REQUEST (RFC 4254 §4); request-specific data is kept raw.</summary>
public sealed record GlobalRequestMessage(string RequestName, bool WantReply, byte[] Data) : ISshMessage
{
    public byte Number => MessageNumber.GlobalRequest;

    public void Write(SshWriter writer)
    {
        writer.WriteByte(Number);
        writer.WriteString(RequestName);
        writer.WriteBoolean(WantReply);
        writer.WriteBytes(Data);
    }

    public static GlobalRequestMessage Read(ReadOnlySpan<byte> payload)
    {
        var r = MessageReading.Open(payload, MessageNumber.GlobalRequest);
        return new GlobalRequestMessage(r.ReadString(), r.ReadBoolean(), r.ReadRemaining().ToArray());
    }
}

public sealed record RequestSuccessMessage(byte[] Data) : ISshMessage
{
    public byte Number => MessageNumber.RequestSuccess;

    public void Write(SshWriter writer)
    {
        writer.WriteByte(Number);
        writer.WriteBytes(Data);
    }

    public static RequestSuccessMessage Read(ReadOnlySpan<byte> payload)
    {
        var r = MessageReading.Open(payload, MessageNumber.RequestSuccess);
        return new RequestSuccessMessage(r.ReadRemaining().ToArray());
    }
}

public sealed record RequestFailureMessage : ISshMessage
{
    public byte Number => MessageNumber.RequestFailure;

    public void Write(SshWriter writer) => writer.WriteByte(Number);

    public static RequestFailureMessage Read(ReadOnlySpan<byte> payload)
    {
        var r = MessageReading.Open(payload, MessageNumber.RequestFailure);
        r.EnsureEnd();
        return new RequestFailureMessage();
    }
}

/// <summary>SSH_MSG_CHANNEL_OPEN (RFC 4254 §5.1) with type-specific fields in <see cref="Details"/>.</summary>
public sealed record ChannelOpenMessage(uint SenderChannel, uint InitialWindowSize, uint MaximumPacketSize, ChannelOpenDetails Details) : ISshMessage
{
    public byte Number => MessageNumber.ChannelOpen;

    public string ChannelType => Details.ChannelType;

    public void Write(SshWriter writer)
    {
        writer.WriteByte(Number);
        writer.WriteString(ChannelType);
        writer.WriteUInt32(SenderChannel);
        writer.WriteUInt32(InitialWindowSize);
        writer.WriteUInt32(MaximumPacketSize);
        Details.WriteFields(writer);
    }

    public static ChannelOpenMessage Read(ReadOnlySpan<byte> payload)
    {
        var r = MessageReading.Open(payload, MessageNumber.ChannelOpen);
        var type = r.ReadString();
        var sender = r.ReadUInt32();
        var window = r.ReadUInt32();
        var maxPacket = r.ReadUInt32();
        ChannelOpenDetails details = type switch
        {
            "session" => new SessionChannelOpen(),
            "direct-tcpip" => DirectTcpIpChannelOpen.ReadFields(ref r),
            _ => new OtherChannelOpen(type, r.ReadRemaining().ToArray()),
        };
        r.EnsureEnd();
        return new ChannelOpenMessage(sender, window, maxPacket, details);
    }
}

public abstract record ChannelOpenDetails(string ChannelType)
{
    internal abstract void WriteFields(SshWriter writer);
}

public sealed record SessionChannelOpen() : ChannelOpenDetails("session")
{
    internal override void WriteFields(SshWriter writer) { }
}

/// <summary>"direct-tcpip" (RFC 4254 §7.2): what ProxyJump and -L send.</summary>
public sealed record DirectTcpIpChannelOpen(string HostToConnect, uint PortToConnect, string OriginatorAddress, uint OriginatorPort)
    : ChannelOpenDetails("direct-tcpip")
{
    internal override void WriteFields(SshWriter writer)
    {
        writer.WriteString(HostToConnect);
        writer.WriteUInt32(PortToConnect);
        writer.WriteString(OriginatorAddress);
        writer.WriteUInt32(OriginatorPort);
    }

    internal static DirectTcpIpChannelOpen ReadFields(ref SshReader r) =>
        new(r.ReadString(), r.ReadUInt32(), r.ReadString(), r.ReadUInt32());
}

public sealed record OtherChannelOpen(string Type, byte[] Fields) : ChannelOpenDetails(Type)
{
    internal override void WriteFields(SshWriter writer) => writer.WriteBytes(Fields);
}

public sealed record ChannelOpenConfirmationMessage(uint RecipientChannel, uint SenderChannel, uint InitialWindowSize, uint MaximumPacketSize) : ISshMessage
{
    public byte Number => MessageNumber.ChannelOpenConfirmation;

    public void Write(SshWriter writer)
    {
        writer.WriteByte(Number);
        writer.WriteUInt32(RecipientChannel);
        writer.WriteUInt32(SenderChannel);
        writer.WriteUInt32(InitialWindowSize);
        writer.WriteUInt32(MaximumPacketSize);
    }

    public static ChannelOpenConfirmationMessage Read(ReadOnlySpan<byte> payload)
    {
        var r = MessageReading.Open(payload, MessageNumber.ChannelOpenConfirmation);
        var message = new ChannelOpenConfirmationMessage(r.ReadUInt32(), r.ReadUInt32(), r.ReadUInt32(), r.ReadUInt32());
        r.ReadRemaining(); // type-specific data (none for the types we open) is allowed after the fixed fields
        return message;
    }
}

/// <summary>Reason codes of SSH_MSG_CHANNEL_OPEN_FAILURE (RFC 4254 §5.1).</summary>
public enum ChannelOpenFailureReason : uint
{
    AdministrativelyProhibited = 1,
    ConnectFailed = 2,
    UnknownChannelType = 3,
    ResourceShortage = 4,
}

public sealed record ChannelOpenFailureMessage(uint RecipientChannel, ChannelOpenFailureReason Reason, string Description, string Language = "") : ISshMessage
{
    public byte Number => MessageNumber.ChannelOpenFailure;

    public void Write(SshWriter writer)
    {
        writer.WriteByte(Number);
        writer.WriteUInt32(RecipientChannel);
        writer.WriteUInt32((uint)Reason);
        writer.WriteString(Description);
        writer.WriteString(Language);
    }

    public static ChannelOpenFailureMessage Read(ReadOnlySpan<byte> payload)
    {
        var r = MessageReading.Open(payload, MessageNumber.ChannelOpenFailure);
        var message = new ChannelOpenFailureMessage(r.ReadUInt32(), (ChannelOpenFailureReason)r.ReadUInt32(), r.ReadString(), r.ReadString());
        r.EnsureEnd();
        return message;
    }
}

public sealed record ChannelWindowAdjustMessage(uint RecipientChannel, uint BytesToAdd) : ISshMessage
{
    public byte Number => MessageNumber.ChannelWindowAdjust;

    public void Write(SshWriter writer)
    {
        writer.WriteByte(Number);
        writer.WriteUInt32(RecipientChannel);
        writer.WriteUInt32(BytesToAdd);
    }

    public static ChannelWindowAdjustMessage Read(ReadOnlySpan<byte> payload)
    {
        var r = MessageReading.Open(payload, MessageNumber.ChannelWindowAdjust);
        var message = new ChannelWindowAdjustMessage(r.ReadUInt32(), r.ReadUInt32());
        r.EnsureEnd();
        return message;
    }
}

/// <summary>
/// SSH_MSG_CHANNEL_DATA. The relay hot path does not build this record: it uses <see cref="ReadView"/> to get a
/// view of the data without copying, and writes the header straight into the outgoing packet buffer.
/// </summary>
public sealed record ChannelDataMessage(uint RecipientChannel, byte[] Data) : ISshMessage
{
    /// <summary>Bytes before the data in the payload: number, recipient channel, data length.</summary>
    public const int HeaderLength = 1 + 4 + 4;

    public byte Number => MessageNumber.ChannelData;

    public void Write(SshWriter writer)
    {
        writer.WriteByte(Number);
        writer.WriteUInt32(RecipientChannel);
        writer.WriteString(Data);
    }

    public static ChannelDataMessage Read(ReadOnlySpan<byte> payload)
    {
        var data = ReadView(payload, out var recipient);
        return new ChannelDataMessage(recipient, data.ToArray());
    }

    public static ReadOnlySpan<byte> ReadView(ReadOnlySpan<byte> payload, out uint recipientChannel)
    {
        var r = MessageReading.Open(payload, MessageNumber.ChannelData);
        recipientChannel = r.ReadUInt32();
        var data = r.ReadStringSpan();
        r.EnsureEnd();
        return data;
    }
}

public sealed record ChannelExtendedDataMessage(uint RecipientChannel, uint DataTypeCode, byte[] Data) : ISshMessage
{
    public const uint Stderr = 1;

    public byte Number => MessageNumber.ChannelExtendedData;

    public void Write(SshWriter writer)
    {
        writer.WriteByte(Number);
        writer.WriteUInt32(RecipientChannel);
        writer.WriteUInt32(DataTypeCode);
        writer.WriteString(Data);
    }

    public static ChannelExtendedDataMessage Read(ReadOnlySpan<byte> payload)
    {
        var r = MessageReading.Open(payload, MessageNumber.ChannelExtendedData);
        var message = new ChannelExtendedDataMessage(r.ReadUInt32(), r.ReadUInt32(), r.ReadBinary());
        r.EnsureEnd();
        return message;
    }
}

public sealed record ChannelEofMessage(uint RecipientChannel) : ISshMessage
{
    public byte Number => MessageNumber.ChannelEof;

    public void Write(SshWriter writer)
    {
        writer.WriteByte(Number);
        writer.WriteUInt32(RecipientChannel);
    }

    public static ChannelEofMessage Read(ReadOnlySpan<byte> payload)
    {
        var r = MessageReading.Open(payload, MessageNumber.ChannelEof);
        var message = new ChannelEofMessage(r.ReadUInt32());
        r.EnsureEnd();
        return message;
    }
}

public sealed record ChannelCloseMessage(uint RecipientChannel) : ISshMessage
{
    public byte Number => MessageNumber.ChannelClose;

    public void Write(SshWriter writer)
    {
        writer.WriteByte(Number);
        writer.WriteUInt32(RecipientChannel);
    }

    public static ChannelCloseMessage Read(ReadOnlySpan<byte> payload)
    {
        var r = MessageReading.Open(payload, MessageNumber.ChannelClose);
        var message = new ChannelCloseMessage(r.ReadUInt32());
        r.EnsureEnd();
        return message;
    }
}
