using Bastion.Ssh.Wire;

namespace Bastion.Ssh.Messages;

/// <summary>
/// OpenSSH's host key rotation (PROTOCOL §2.5): after login the server lists every host key it holds
/// ("hostkeys-00@openssh.com"); a client missing some asks for proof ("hostkeys-prove-00@openssh.com") and adds
/// them to known_hosts. A new key can so be announced long before it replaces the old one. The payloads are
/// sequences of SSH strings inside a global request or its success reply.
/// </summary>
public sealed record HostKeysAnnouncement(IReadOnlyList<byte[]> HostKeys)
{
    public const string RequestName = "hostkeys-00@openssh.com";

    /// <summary>Sent without want-reply: clients that do not know it ignore it (RFC 4254 §4).</summary>
    public GlobalRequestMessage ToGlobalRequest() => new(RequestName, WantReply: false, HostKeyRotationStrings.Write(HostKeys));

    public static HostKeysAnnouncement Read(GlobalRequestMessage request) => new(HostKeyRotationStrings.Read(request.Data));
}

/// <summary>The client's "prove you hold these" request: the host key blobs, in the order the signatures must follow.</summary>
public sealed record HostKeysProveRequest(IReadOnlyList<byte[]> HostKeys)
{
    public const string RequestName = "hostkeys-prove-00@openssh.com";

    public GlobalRequestMessage ToGlobalRequest() => new(RequestName, WantReply: true, HostKeyRotationStrings.Write(HostKeys));

    public static HostKeysProveRequest Read(GlobalRequestMessage request) => new(HostKeyRotationStrings.Read(request.Data));

    /// <summary>What each key signs: string "hostkeys-prove-00@openssh.com" || string session id || string host key.</summary>
    public static byte[] SignedData(ReadOnlySpan<byte> sessionId, ReadOnlySpan<byte> hostKey)
    {
        using var writer = new SshWriter();
        writer.WriteString(RequestName);
        writer.WriteString(sessionId);
        writer.WriteString(hostKey);
        return writer.ToArray();
    }
}

/// <summary>The server's proof: one signature blob per requested key, in the request's order.</summary>
public sealed record HostKeysProveReply(IReadOnlyList<byte[]> Signatures)
{
    public RequestSuccessMessage ToRequestSuccess() => new(HostKeyRotationStrings.Write(Signatures));

    public static HostKeysProveReply Read(RequestSuccessMessage reply) => new(HostKeyRotationStrings.Read(reply.Data));
}

/// <summary>A run of SSH strings to the end of a payload, capped so a hostile list cannot make us sign without end.</summary>
internal static class HostKeyRotationStrings
{
    /// <summary>OpenSSH offers a handful; more than this is not a host key list.</summary>
    public const int MaxEntries = 64;

    public static byte[] Write(IReadOnlyList<byte[]> items)
    {
        using var writer = new SshWriter();
        foreach (var item in items)
        {
            writer.WriteString(item);
        }
        return writer.ToArray();
    }

    public static IReadOnlyList<byte[]> Read(ReadOnlySpan<byte> data)
    {
        var reader = new SshReader(data);
        var items = new List<byte[]>();
        while (reader.Remaining > 0)
        {
            if (items.Count == MaxEntries)
            {
                throw new SshProtocolException($"host key list longer than {MaxEntries} entries");
            }
            items.Add(reader.ReadBinary());
        }
        return items;
    }
}
