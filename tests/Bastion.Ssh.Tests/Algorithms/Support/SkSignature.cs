using Bastion.Ssh.Wire;

namespace Bastion.Ssh.Tests.Algorithms.Support;

/// <summary>
/// The fields of a security-key signature blob (PROTOCOL.u2f): string name || string inner || byte flags ||
/// uint32 counter, so tests can take a real signature apart and re-encode variants of it.
/// </summary>
internal sealed record SkSignature(string Name, byte[] Inner, byte Flags, uint Counter)
{
    public static SkSignature Parse(byte[] blob)
    {
        var reader = new SshReader(blob);
        var signature = new SkSignature(reader.ReadString(), reader.ReadBinary(), reader.ReadByte(), reader.ReadUInt32());
        reader.EnsureEnd();
        return signature;
    }

    public byte[] Encode(bool withFlagsAndCounter = true)
    {
        using var writer = new SshWriter();
        writer.WriteString(Name);
        writer.WriteString(Inner);
        if (withFlagsAndCounter)
        {
            writer.WriteByte(Flags);
            writer.WriteUInt32(Counter);
        }
        return writer.ToArray();
    }
}
