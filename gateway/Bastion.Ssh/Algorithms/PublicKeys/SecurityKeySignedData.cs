using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Bastion.Ssh.Algorithms.PublicKeys;

/// <summary>
/// What a FIDO authenticator actually signs for OpenSSH (PROTOCOL.u2f; U2F/CTAP authenticator data followed by
/// the client data hash): SHA256(application) || flags || uint32 counter || SHA256(data). The flags and
/// counter are inside the signature, so a client cannot claim a touch or a counter the authenticator did not.
/// </summary>
internal static class SecurityKeySignedData
{
    public const int Length = 32 + 1 + 4 + 32;

    public static void Compose(ReadOnlySpan<byte> application, byte flags, uint counter, ReadOnlySpan<byte> data, Span<byte> destination)
    {
        SHA256.HashData(application, destination[..32]);
        destination[32] = flags;
        BinaryPrimitives.WriteUInt32BigEndian(destination.Slice(33, 4), counter);
        SHA256.HashData(data, destination.Slice(37, 32));
    }
}
