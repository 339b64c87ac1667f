using Bastion.Ssh.Messages;
using Bastion.Ssh.Wire;

namespace Bastion.Fuzz.Targets;

/// <summary>
/// Every message type's Read, chosen by the first byte (the message number) from one table. An accepted message must
/// round-trip: writing it and reading the bytes back gives a message that writes the same bytes again.
/// </summary>
internal sealed class MessageTarget : IFuzzTarget
{
    private delegate ISshMessage MessageReader(ReadOnlySpan<byte> payload);

    /// <summary>Message number → its Read. 60 is PK_OK or INFO_REQUEST depending on the method in progress: both are tried.</summary>
    private static readonly Dictionary<byte, MessageReader[]> Readers = new()
    {
        [MessageNumber.Disconnect] = [p => DisconnectMessage.Read(p)],
        [MessageNumber.Ignore] = [p => IgnoreMessage.Read(p)],
        [MessageNumber.Unimplemented] = [p => UnimplementedMessage.Read(p)],
        [MessageNumber.Debug] = [p => DebugMessage.Read(p)],
        [MessageNumber.ServiceRequest] = [p => ServiceRequestMessage.Read(p)],
        [MessageNumber.ServiceAccept] = [p => ServiceAcceptMessage.Read(p)],
        [MessageNumber.ExtInfo] = [p => ExtInfoMessage.Read(p)],
        [MessageNumber.KexInit] = [p => KexInitMessage.Read(p)],
        [MessageNumber.NewKeys] = [p => NewKeysMessage.Read(p)],
        [MessageNumber.KexEcdhInit] = [p => KexEcdhInitMessage.Read(p)],
        [MessageNumber.KexEcdhReply] = [p => KexEcdhReplyMessage.Read(p)],
        [MessageNumber.UserAuthRequest] = [p => UserAuthRequestMessage.Read(p)],
        [MessageNumber.UserAuthFailure] = [p => UserAuthFailureMessage.Read(p)],
        [MessageNumber.UserAuthSuccess] = [p => UserAuthSuccessMessage.Read(p)],
        [MessageNumber.UserAuthBanner] = [p => UserAuthBannerMessage.Read(p)],
        [MessageNumber.UserAuthPkOk] = [p => UserAuthPkOkMessage.Read(p), p => UserAuthInfoRequestMessage.Read(p)],
        [MessageNumber.UserAuthInfoResponse] = [p => UserAuthInfoResponseMessage.Read(p)],
        [MessageNumber.GlobalRequest] = [p => GlobalRequestMessage.Read(p)],
        [MessageNumber.RequestSuccess] = [p => RequestSuccessMessage.Read(p)],
        [MessageNumber.RequestFailure] = [p => RequestFailureMessage.Read(p)],
        [MessageNumber.ChannelOpen] = [p => ChannelOpenMessage.Read(p)],
        [MessageNumber.ChannelOpenConfirmation] = [p => ChannelOpenConfirmationMessage.Read(p)],
        [MessageNumber.ChannelOpenFailure] = [p => ChannelOpenFailureMessage.Read(p)],
        [MessageNumber.ChannelWindowAdjust] = [p => ChannelWindowAdjustMessage.Read(p)],
        [MessageNumber.ChannelData] = [p => ChannelDataMessage.Read(p)],
        [MessageNumber.ChannelExtendedData] = [p => ChannelExtendedDataMessage.Read(p)],
        [MessageNumber.ChannelEof] = [p => ChannelEofMessage.Read(p)],
        [MessageNumber.ChannelClose] = [p => ChannelCloseMessage.Read(p)],
        [MessageNumber.ChannelRequest] = [p => ChannelRequestMessage.Read(p)],
        [MessageNumber.ChannelSuccess] = [p => ChannelSuccessMessage.Read(p)],
        [MessageNumber.ChannelFailure] = [p => ChannelFailureMessage.Read(p)],
    };

    public void Run(byte[] input)
    {
        if (input.Length == 0 || !Readers.TryGetValue(input[0], out var readers))
        {
            return;
        }
        foreach (var read in readers)
        {
            ISshMessage message;
            try
            {
                message = read(input);
            }
            catch (SshProtocolException)
            {
                continue; // documented rejection of a malformed message
            }
            RoundTrip(read, message);
            if (message is GlobalRequestMessage global && global.RequestName.StartsWith("hostkeys-", StringComparison.Ordinal))
            {
                try
                {
                    HostKeysProveRequest.Read(global);
                }
                catch (SshProtocolException)
                {
                    // documented rejection of a malformed key list
                }
            }
        }
    }

    private static void RoundTrip(MessageReader read, ISshMessage message)
    {
        var first = Write(message);
        var again = read(first); // must not throw: we wrote it
        var second = Write(again);
        if (!first.AsSpan().SequenceEqual(second))
        {
            throw new InvalidOperationException($"message {message.Number} does not round-trip: {Convert.ToHexString(first)} then {Convert.ToHexString(second)}");
        }
    }

    private static byte[] Write(ISshMessage message)
    {
        using var writer = new SshWriter();
        message.Write(writer);
        return writer.ToArray();
    }
}
