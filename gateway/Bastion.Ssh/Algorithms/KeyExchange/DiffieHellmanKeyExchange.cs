using System.Security.Cryptography;

namespace Bastion.Ssh.Algorithms.KeyExchange;

/// <summary>diffie-hellman-group14-sha256 and diffie-hellman-group16-sha512 (RFC 8268).</summary>
/// <remarks>
/// Cost, measured with BigInteger.ModPow and 1024-bit exponents on a 2-core x86-64 VM: the server side of one
/// group16 exchange (two 4096-bit modular exponentiations) takes about 120 ms of CPU, group14 about 30 ms,
/// against under 0.1 ms for curve25519. BouncyCastle's ModPow was no faster. Connection rate limiting
/// should account for this, since an unauthenticated client can request it.
/// </remarks>
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
