using Bastion.Ssh.Algorithms.Ciphers;
using Bastion.Ssh.Algorithms.KeyExchange;
using Bastion.Ssh.Algorithms.Macs;
using Bastion.Ssh.Algorithms.PublicKeys;

namespace Bastion.Ssh.Algorithms;

// Placeholder until the algorithm implementations land; replaced by the real table.
public sealed class AlgorithmTable
{
    public required IReadOnlyList<KeyExchangeAlgorithm> KeyExchanges { get; init; }
    public required IReadOnlyList<CipherAlgorithm> Ciphers { get; init; }
    public required IReadOnlyList<MacAlgorithm> Macs { get; init; }
    public required IReadOnlyList<PublicKeyAlgorithm> PublicKeys { get; init; }
    public static AlgorithmTable Default { get; } = new() { KeyExchanges = [], Ciphers = [], Macs = [], PublicKeys = [] };
    public KeyExchangeAlgorithm? FindKeyExchange(string name) => KeyExchanges.FirstOrDefault(a => a.Name == name);
    public CipherAlgorithm? FindCipher(string name) => Ciphers.FirstOrDefault(a => a.Name == name);
    public MacAlgorithm? FindMac(string name) => Macs.FirstOrDefault(a => a.Name == name);
    public PublicKeyAlgorithm? FindPublicKey(string name) => PublicKeys.FirstOrDefault(a => a.Name == name);
}
