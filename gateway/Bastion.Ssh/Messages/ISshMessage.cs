using Bastion.Ssh.Wire;

namespace Bastion.Ssh.Messages;

/// <summary>
/// An SSH message: <see cref="Write"/> emits the whole payload starting with the message number, and each
/// message type has a static <c>Read(ReadOnlySpan&lt;byte&gt; payload)</c> that parses the same bytes back
/// and rejects trailing data. The pair must round-trip.
/// </summary>
public interface ISshMessage
{
    byte Number { get; }

    void Write(SshWriter writer);
}

internal static class MessageReading
{
    /// <summary>Opens a reader positioned after the message number, checking it is the expected one.</summary>
    public static SshReader Open(ReadOnlySpan<byte> payload, byte expected)
    {
        var reader = new SshReader(payload);
        var number = reader.ReadByte();
        if (number != expected)
        {
            throw new SshProtocolException($"expected message {expected}, got {number}");
        }
        return reader;
    }
}
