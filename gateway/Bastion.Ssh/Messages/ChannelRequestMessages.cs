using Bastion.Ssh.Wire;

namespace Bastion.Ssh.Messages;

/// <summary>SSH_MSG_CHANNEL_REQUEST (RFC 4254 §5.4) with request-specific fields in <see cref="Details"/>.</summary>
public sealed record ChannelRequestMessage(uint RecipientChannel, bool WantReply, ChannelRequestDetails Details) : ISshMessage
{
    public byte Number => MessageNumber.ChannelRequest;

    public string RequestType => Details.RequestType;

    public void Write(SshWriter writer)
    {
        writer.WriteByte(Number);
        writer.WriteUInt32(RecipientChannel);
        writer.WriteString(RequestType);
        writer.WriteBoolean(WantReply);
        Details.WriteFields(writer);
    }

    public static ChannelRequestMessage Read(ReadOnlySpan<byte> payload)
    {
        var r = MessageReading.Open(payload, MessageNumber.ChannelRequest);
        var recipient = r.ReadUInt32();
        var type = r.ReadString();
        var wantReply = r.ReadBoolean();
        ChannelRequestDetails details = type switch
        {
            "pty-req" => PtyRequest.ReadFields(ref r),
            "shell" => new ShellRequest(),
            "exec" => new ExecRequest(r.ReadString()),
            "subsystem" => new SubsystemRequest(r.ReadString()),
            "env" => new EnvRequest(r.ReadString(), r.ReadString()),
            "window-change" => new WindowChangeRequest(r.ReadUInt32(), r.ReadUInt32(), r.ReadUInt32(), r.ReadUInt32()),
            "exit-status" => new ExitStatusRequest(r.ReadUInt32()),
            _ => new OtherChannelRequest(type, r.ReadRemaining().ToArray()),
        };
        r.EnsureEnd();
        return new ChannelRequestMessage(recipient, wantReply, details);
    }
}

public abstract record ChannelRequestDetails(string RequestType)
{
    internal abstract void WriteFields(SshWriter writer);
}

public sealed record PtyRequest(string Term, uint Columns, uint Rows, uint WidthPixels, uint HeightPixels, byte[] Modes) : ChannelRequestDetails("pty-req")
{
    internal override void WriteFields(SshWriter writer)
    {
        writer.WriteString(Term);
        writer.WriteUInt32(Columns);
        writer.WriteUInt32(Rows);
        writer.WriteUInt32(WidthPixels);
        writer.WriteUInt32(HeightPixels);
        writer.WriteString(Modes);
    }

    internal static PtyRequest ReadFields(ref SshReader r) =>
        new(r.ReadString(), r.ReadUInt32(), r.ReadUInt32(), r.ReadUInt32(), r.ReadUInt32(), r.ReadBinary());
}

public sealed record ShellRequest() : ChannelRequestDetails("shell")
{
    internal override void WriteFields(SshWriter writer) { }
}

public sealed record ExecRequest(string Command) : ChannelRequestDetails("exec")
{
    internal override void WriteFields(SshWriter writer) => writer.WriteString(Command);
}

public sealed record SubsystemRequest(string Name) : ChannelRequestDetails("subsystem")
{
    internal override void WriteFields(SshWriter writer) => writer.WriteString(Name);
}

public sealed record EnvRequest(string Name, string Value) : ChannelRequestDetails("env")
{
    internal override void WriteFields(SshWriter writer)
    {
        writer.WriteString(Name);
        writer.WriteString(Value);
    }
}

public sealed record WindowChangeRequest(uint Columns, uint Rows, uint WidthPixels, uint HeightPixels) : ChannelRequestDetails("window-change")
{
    internal override void WriteFields(SshWriter writer)
    {
        writer.WriteUInt32(Columns);
        writer.WriteUInt32(Rows);
        writer.WriteUInt32(WidthPixels);
        writer.WriteUInt32(HeightPixels);
    }
}

public sealed record ExitStatusRequest(uint ExitStatus) : ChannelRequestDetails("exit-status")
{
    internal override void WriteFields(SshWriter writer) => writer.WriteUInt32(ExitStatus);
}

public sealed record OtherChannelRequest(string Type, byte[] Fields) : ChannelRequestDetails(Type)
{
    internal override void WriteFields(SshWriter writer) => writer.WriteBytes(Fields);
}

public sealed record ChannelSuccessMessage(uint RecipientChannel) : ISshMessage
{
    public byte Number => MessageNumber.ChannelSuccess;

    public void Write(SshWriter writer)
    {
        writer.WriteByte(Number);
        writer.WriteUInt32(RecipientChannel);
    }

    public static ChannelSuccessMessage Read(ReadOnlySpan<byte> payload)
    {
        var r = MessageReading.Open(payload, MessageNumber.ChannelSuccess);
        var message = new ChannelSuccessMessage(r.ReadUInt32());
        r.EnsureEnd();
        return message;
    }
}

public sealed record ChannelFailureMessage(uint RecipientChannel) : ISshMessage
{
    public byte Number => MessageNumber.ChannelFailure;

    public void Write(SshWriter writer)
    {
        writer.WriteByte(Number);
        writer.WriteUInt32(RecipientChannel);
    }

    public static ChannelFailureMessage Read(ReadOnlySpan<byte> payload)
    {
        var r = MessageReading.Open(payload, MessageNumber.ChannelFailure);
        var message = new ChannelFailureMessage(r.ReadUInt32());
        r.EnsureEnd();
        return message;
    }
}
