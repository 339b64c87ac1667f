using System.Security.Cryptography;

namespace Bastion.Ssh.Algorithms.KeyExchange;

/// <summary>
/// curve25519-sha256 (RFC 8731) and its pre-standard name curve25519-sha256@libssh.org, which is the
/// identical method.
/// </summary>
public sealed class Curve25519KeyExchange : KeyExchangeAlgorithm
{
    public static readonly Curve25519KeyExchange Sha256 = new("curve25519-sha256");

    public static readonly Curve25519KeyExchange Sha256LibSsh = new("curve25519-sha256@libssh.org");

    private Curve25519KeyExchange(string name) => Name = name;

    public override string Name { get; }

    public override HashAlgorithmName HashAlgorithm => HashAlgorithmName.SHA256;

    public override IServerKeyExchange CreateServer() => new X25519Ephemeral();

    public override IClientKeyExchange CreateClient() => new X25519Ephemeral();
}
