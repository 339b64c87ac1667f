using Bastion.Ssh.Algorithms;
using Bastion.Ssh.Algorithms.HostKeys;
using Bastion.Ssh.Messages;
using Bastion.Ssh.Transport;
using Bastion.Ssh.Wire;

namespace Bastion.Fuzz.Targets;

/// <summary>
/// A client's KEXINIT payload: parsing, then negotiation against everything the library implements and an Ed25519 +
/// RSA host key pair. What is agreed must be something the client offered.
/// </summary>
internal sealed class KexInitTarget : IFuzzTarget
{
    private static readonly HostKey[] HostKeys = [Ed25519HostKey.Generate(), RsaHostKey.Generate(2048)];

    public void Run(byte[] input)
    {
        try
        {
            var message = KexInitMessage.Read(input);
            var agreed = NegotiatedAlgorithms.Negotiate(message, AlgorithmTable.Default, HostKeys);
            Require(message.KexAlgorithms.Contains(agreed.KeyExchange) && !NegotiatedAlgorithms.IsMarker(agreed.KeyExchange), "key exchange");
            Require(message.ServerHostKeyAlgorithms.Contains(agreed.HostKeyAlgorithm), "host key");
            Require(message.CiphersClientToServer.Contains(agreed.CipherClientToServer), "cipher c2s");
            Require(message.CiphersServerToClient.Contains(agreed.CipherServerToClient), "cipher s2c");
            Require(agreed.MacClientToServer is null || message.MacsClientToServer.Contains(agreed.MacClientToServer), "MAC c2s");
            Require(agreed.MacServerToClient is null || message.MacsServerToClient.Contains(agreed.MacServerToClient), "MAC s2c");
            Require(agreed.HostKey.SignatureAlgorithms.Contains(agreed.HostKeyAlgorithm), "host key object");
        }
        catch (SshProtocolException)
        {
            // Documented: malformed KEXINIT, or nothing in common.
        }
    }

    private static void Require(bool condition, string what)
    {
        if (!condition)
        {
            throw new InvalidOperationException($"negotiation agreed on a {what} the client did not offer");
        }
    }
}
