using Bastion.Ssh.Algorithms.HostKeys;
using Bastion.Ssh.Messages;

namespace Bastion.Ssh.Connection;

/// <summary>
/// The server's half of OpenSSH's host key rotation: what to announce after login, and the proof for a client
/// that asks. Announcing every configured key lets operators add a new one, wait until clients have learned it,
/// then drop the old — without a "REMOTE HOST IDENTIFICATION HAS CHANGED" for anyone who connected in between.
/// </summary>
internal static class HostKeyRotation
{
    public static HostKeysAnnouncement Announcement(IReadOnlyList<HostKey> hostKeys) =>
        new(hostKeys.Select(k => k.PublicKeyBlob).ToList());

    /// <summary>
    /// Signs each requested key over the session id, or returns null if one is not ours (OpenSSH's sshd refuses the
    /// whole request then too). RSA signs with the algorithm negotiated for this connection when it is an RSA one,
    /// else the key's preferred (rsa-sha2-512): never SHA-1.
    /// </summary>
    public static HostKeysProveReply? Prove(HostKeysProveRequest request, IReadOnlyList<HostKey> hostKeys, ReadOnlySpan<byte> sessionId, string? negotiatedAlgorithm)
    {
        var signatures = new List<byte[]>(request.HostKeys.Count);
        foreach (var blob in request.HostKeys)
        {
            var key = hostKeys.FirstOrDefault(k => k.PublicKeyBlob.AsSpan().SequenceEqual(blob));
            if (key is null)
            {
                return null;
            }
            var algorithm = negotiatedAlgorithm is not null && key.SignatureAlgorithms.Contains(negotiatedAlgorithm)
                ? negotiatedAlgorithm
                : key.SignatureAlgorithms[0];
            signatures.Add(key.Sign(algorithm, HostKeysProveRequest.SignedData(sessionId, blob)));
        }
        return new HostKeysProveReply(signatures);
    }
}
