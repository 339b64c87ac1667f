using System.Security.Cryptography;

namespace Bastion.Ssh.Algorithms.KeyExchange;

/// <summary>diffie-hellman-group14-sha256 and diffie-hellman-group16-sha512 (RFC 8268).</summary>
public sealed class DiffieHellmanKeyExchange : KeyExchangeAlgorithm
{
    public static readonly DiffieHellmanKeyExchange Group14Sha256 =
        new("diffie-hellman-group14-sha256", DiffieHellmanGroup.Modp2048, HashAlgorithmName.SHA256);

    public static readonly DiffieHellmanKeyExchange Group16Sha512 =
        new("diffie-hellman-group16-sha512", DiffieHellmanGroup.Modp4096, HashAlgorithmName.SHA512);

    private DiffieHellmanKeyExchange(string name, DiffieHellmanGroup group, HashAlgorithmName hash)
    {
        Name = name;
        Group = group;
        HashAlgorithm = hash;
    }

    public override string Name { get; }

    public override HashAlgorithmName HashAlgorithm { get; }

    internal DiffieHellmanGroup Group { get; }

    public override IServerKeyExchange CreateServer() => new DiffieHellmanEphemeral(Group);

    public override IClientKeyExchange CreateClient() => new DiffieHellmanEphemeral(Group);
}
