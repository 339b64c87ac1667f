using System.Security.Cryptography;
using Bastion.Ssh.Algorithms.HostKeys;
using Bastion.Ssh.Algorithms.PublicKeys;
using Bastion.Ssh.Connection;
using Bastion.Ssh.Messages;
using Bastion.Ssh.Wire;

namespace Bastion.Ssh.Tests.Messages;

/// <summary>hostkeys-00 / hostkeys-prove-00 (OpenSSH PROTOCOL §2.5): payloads round-trip, proofs verify, strangers are refused.</summary>
public sealed class HostKeyRotationTests
{
    [Fact]
    public void Announcement_and_proof_payloads_round_trip_through_their_global_messages()
    {
        byte[][] keys = [[1, 2, 3], [], RandomNumberGenerator.GetBytes(51)];

        var announced = HostKeysAnnouncement.Read(GlobalRequestMessage.Read(Serialize(new HostKeysAnnouncement(keys).ToGlobalRequest())));
        var request = new HostKeysProveRequest(keys).ToGlobalRequest();
        var asked = HostKeysProveRequest.Read(GlobalRequestMessage.Read(Serialize(request)));
        var reply = HostKeysProveReply.Read(RequestSuccessMessage.Read(Serialize(new HostKeysProveReply(keys).ToRequestSuccess())));

        Assert.Equal(keys, announced.HostKeys);
        Assert.Equal(keys, asked.HostKeys);
        Assert.True(request.WantReply);
        Assert.False(new HostKeysAnnouncement(keys).ToGlobalRequest().WantReply);
        Assert.Equal(keys, reply.Signatures);
    }

    [Fact]
    public void A_truncated_or_endless_list_is_a_protocol_error()
    {
        Assert.Throws<SshProtocolException>(() => HostKeysProveRequest.Read(new GlobalRequestMessage(HostKeysProveRequest.RequestName, true, [0, 0, 0, 9, 1])));
        var endless = new HostKeysProveRequest(Enumerable.Range(0, 65).Select(_ => new byte[] { 1 }).ToList()).ToGlobalRequest();
        Assert.Throws<SshProtocolException>(() => HostKeysProveRequest.Read(endless));
    }

    [Fact]
    public void Each_requested_key_signs_over_the_session_id_and_rsa_never_with_sha1()
    {
        using var ed = Ed25519HostKey.Generate();
        using var rsa = RsaHostKey.Generate(2048);
        var sessionId = RandomNumberGenerator.GetBytes(32);

        var reply = HostKeyRotation.Prove(new HostKeysProveRequest([rsa.PublicKeyBlob, ed.PublicKeyBlob]), [ed, rsa], sessionId, negotiatedAlgorithm: "ssh-ed25519");

        Assert.NotNull(reply);
        Assert.Equal(2, reply.Signatures.Count);
        Assert.Equal("rsa-sha2-512", new SshReader(reply.Signatures[0]).ReadString());
        Assert.True(RsaSha2PublicKeyAlgorithm.Sha512.Verify(rsa.PublicKeyBlob, HostKeysProveRequest.SignedData(sessionId, rsa.PublicKeyBlob), reply.Signatures[0]).Valid);
        Assert.True(Ed25519PublicKeyAlgorithm.Instance.Verify(ed.PublicKeyBlob, HostKeysProveRequest.SignedData(sessionId, ed.PublicKeyBlob), reply.Signatures[1]).Valid);
        // Bound to this session: the same proof does not verify for another session id.
        Assert.False(Ed25519PublicKeyAlgorithm.Instance.Verify(ed.PublicKeyBlob, HostKeysProveRequest.SignedData(RandomNumberGenerator.GetBytes(32), ed.PublicKeyBlob), reply.Signatures[1]).Valid);
    }

    [Fact]
    public void A_key_the_server_does_not_hold_fails_the_whole_request()
    {
        using var ours = Ed25519HostKey.Generate();
        using var stranger = Ed25519HostKey.Generate();

        Assert.Null(HostKeyRotation.Prove(new HostKeysProveRequest([ours.PublicKeyBlob, stranger.PublicKeyBlob]), [ours], new byte[32], "ssh-ed25519"));
    }

    private static byte[] Serialize(ISshMessage message)
    {
        using var writer = new SshWriter();
        message.Write(writer);
        return writer.ToArray();
    }
}
