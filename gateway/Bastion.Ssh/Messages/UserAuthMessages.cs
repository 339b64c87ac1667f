using Bastion.Ssh.Wire;

namespace Bastion.Ssh.Messages;

/// <summary>
/// SSH_MSG_USERAUTH_REQUEST (RFC 4252 §5). The method-specific fields are parsed into <see cref="Method"/>
/// subtypes so a request round-trips exactly.
/// </summary>
public sealed record UserAuthRequestMessage(string UserName, string ServiceName, UserAuthMethodData Method) : ISshMessage
{
    public byte Number => MessageNumber.UserAuthRequest;

    public void Write(SshWriter writer)
    {
        writer.WriteByte(Number);
        writer.WriteString(UserName);
        writer.WriteString(ServiceName);
        writer.WriteString(Method.Name);
        Method.WriteFields(writer);
    }

    public static UserAuthRequestMessage Read(ReadOnlySpan<byte> payload)
    {
        var r = MessageReading.Open(payload, MessageNumber.UserAuthRequest);
        var user = r.ReadString();
        var service = r.ReadString();
        var methodName = r.ReadString();
        UserAuthMethodData method = methodName switch
        {
            "none" => new NoneAuthData(),
            "publickey" => PublicKeyAuthData.ReadFields(ref r),
            "keyboard-interactive" => KeyboardInteractiveAuthData.ReadFields(ref r),
            _ => new OtherAuthData(methodName, r.ReadRemaining().ToArray()),
        };
        r.EnsureEnd();
        return new UserAuthRequestMessage(user, service, method);
    }
}

public abstract record UserAuthMethodData(string Name)
{
    internal abstract void WriteFields(SshWriter writer);
}

public sealed record NoneAuthData() : UserAuthMethodData("none")
{
    internal override void WriteFields(SshWriter writer) { }
}

/// <summary>"publickey": without a signature it is a query (RFC 4252 §7), answered by PK_OK.</summary>
public sealed record PublicKeyAuthData(string Algorithm, byte[] PublicKeyBlob, byte[]? Signature) : UserAuthMethodData("publickey")
{
    public bool HasSignature => Signature is not null;

    internal override void WriteFields(SshWriter writer)
    {
        writer.WriteBoolean(HasSignature);
        writer.WriteString(Algorithm);
        writer.WriteString(PublicKeyBlob);
        if (Signature is not null)
        {
            writer.WriteString(Signature);
        }
    }

    internal static PublicKeyAuthData ReadFields(ref SshReader r)
    {
        var hasSignature = r.ReadBoolean();
        var algorithm = r.ReadString();
        var blob = r.ReadBinary();
        var signature = hasSignature ? r.ReadBinary() : null;
        return new PublicKeyAuthData(algorithm, blob, signature);
    }
}

public sealed record KeyboardInteractiveAuthData(string Language, string Submethods) : UserAuthMethodData("keyboard-interactive")
{
    internal override void WriteFields(SshWriter writer)
    {
        writer.WriteString(Language);
        writer.WriteString(Submethods);
    }

    internal static KeyboardInteractiveAuthData ReadFields(ref SshReader r) => new(r.ReadString(), r.ReadString());
}

/// <summary>A method this library does not implement (e.g. "password"); kept raw so it can be refused politely.</summary>
public sealed record OtherAuthData(string MethodName, byte[] Fields) : UserAuthMethodData(MethodName)
{
    internal override void WriteFields(SshWriter writer) => writer.WriteBytes(Fields);
}

public sealed record UserAuthFailureMessage(IReadOnlyList<string> MethodsThatCanContinue, bool PartialSuccess) : ISshMessage
{
    public byte Number => MessageNumber.UserAuthFailure;

    public void Write(SshWriter writer)
    {
        writer.WriteByte(Number);
        writer.WriteNameList(MethodsThatCanContinue);
        writer.WriteBoolean(PartialSuccess);
    }

    public static UserAuthFailureMessage Read(ReadOnlySpan<byte> payload)
    {
        var r = MessageReading.Open(payload, MessageNumber.UserAuthFailure);
        var message = new UserAuthFailureMessage(r.ReadNameList(), r.ReadBoolean());
        r.EnsureEnd();
        return message;
    }
}

public sealed record UserAuthSuccessMessage : ISshMessage
{
    public byte Number => MessageNumber.UserAuthSuccess;

    public void Write(SshWriter writer) => writer.WriteByte(Number);

    public static UserAuthSuccessMessage Read(ReadOnlySpan<byte> payload)
    {
        var r = MessageReading.Open(payload, MessageNumber.UserAuthSuccess);
        r.EnsureEnd();
        return new UserAuthSuccessMessage();
    }
}

public sealed record UserAuthBannerMessage(string Text, string Language = "") : ISshMessage
{
    public byte Number => MessageNumber.UserAuthBanner;

    public void Write(SshWriter writer)
    {
        writer.WriteByte(Number);
        writer.WriteString(Text);
        writer.WriteString(Language);
    }

    public static UserAuthBannerMessage Read(ReadOnlySpan<byte> payload)
    {
        var r = MessageReading.Open(payload, MessageNumber.UserAuthBanner);
        var message = new UserAuthBannerMessage(r.ReadString(), r.ReadString());
        r.EnsureEnd();
        return message;
    }
}

public sealed record UserAuthPkOkMessage(string Algorithm, byte[] PublicKeyBlob) : ISshMessage
{
    public byte Number => MessageNumber.UserAuthPkOk;

    public void Write(SshWriter writer)
    {
        writer.WriteByte(Number);
        writer.WriteString(Algorithm);
        writer.WriteString(PublicKeyBlob);
    }

    public static UserAuthPkOkMessage Read(ReadOnlySpan<byte> payload)
    {
        var r = MessageReading.Open(payload, MessageNumber.UserAuthPkOk);
        var message = new UserAuthPkOkMessage(r.ReadString(), r.ReadBinary());
        r.EnsureEnd();
        return message;
    }
}

public sealed record KeyboardInteractivePrompt(string Text, bool Echo);

/// <summary>SSH_MSG_USERAUTH_INFO_REQUEST (RFC 4256 §3.2).</summary>
public sealed record UserAuthInfoRequestMessage(string Name, string Instruction, IReadOnlyList<KeyboardInteractivePrompt> Prompts, string Language = "") : ISshMessage
{
    public byte Number => MessageNumber.UserAuthInfoRequest;

    public void Write(SshWriter writer)
    {
        writer.WriteByte(Number);
        writer.WriteString(Name);
        writer.WriteString(Instruction);
        writer.WriteString(Language);
        writer.WriteUInt32((uint)Prompts.Count);
        foreach (var prompt in Prompts)
        {
            writer.WriteString(prompt.Text);
            writer.WriteBoolean(prompt.Echo);
        }
    }

    public static UserAuthInfoRequestMessage Read(ReadOnlySpan<byte> payload)
    {
        var r = MessageReading.Open(payload, MessageNumber.UserAuthInfoRequest);
        var name = r.ReadString();
        var instruction = r.ReadString();
        var language = r.ReadString();
        var count = r.ReadUInt32();
        if (count > UserAuthInfoResponseMessage.MaxResponses)
        {
            throw new SshProtocolException($"INFO_REQUEST with {count} prompts exceeds the limit");
        }
        var prompts = new List<KeyboardInteractivePrompt>((int)count);
        for (var i = 0; i < count; i++)
        {
            prompts.Add(new KeyboardInteractivePrompt(r.ReadString(), r.ReadBoolean()));
        }
        r.EnsureEnd();
        return new UserAuthInfoRequestMessage(name, instruction, prompts, language);
    }
}

/// <summary>SSH_MSG_USERAUTH_INFO_RESPONSE (RFC 4256 §3.4).</summary>
public sealed record UserAuthInfoResponseMessage(IReadOnlyList<string> Responses) : ISshMessage
{
    /// <summary>OpenSSH caps prompts at 100; responses beyond what we asked are a protocol error anyway.</summary>
    public const int MaxResponses = 100;

    public byte Number => MessageNumber.UserAuthInfoResponse;

    public void Write(SshWriter writer)
    {
        writer.WriteByte(Number);
        writer.WriteUInt32((uint)Responses.Count);
        foreach (var response in Responses)
        {
            writer.WriteString(response);
        }
    }

    public static UserAuthInfoResponseMessage Read(ReadOnlySpan<byte> payload)
    {
        var r = MessageReading.Open(payload, MessageNumber.UserAuthInfoResponse);
        var count = r.ReadUInt32();
        if (count > MaxResponses)
        {
            throw new SshProtocolException($"INFO_RESPONSE with {count} responses exceeds the limit of {MaxResponses}");
        }
        var responses = new List<string>((int)count);
        for (var i = 0; i < count; i++)
        {
            responses.Add(r.ReadString());
        }
        r.EnsureEnd();
        return new UserAuthInfoResponseMessage(responses);
    }
}
