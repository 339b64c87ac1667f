using Bastion.Ssh.Algorithms.KeyExchange;
using Bastion.Ssh.Wire;

namespace Bastion.Ssh.Transport;

/// <summary>Derives IVs and keys from K, H and the session id (RFC 4253 §7.2).</summary>
internal static class KeyDerivation
{
    public static byte[] Derive(KeyExchangeAlgorithm kex, ReadOnlySpan<byte> encodedSharedSecret, ReadOnlySpan<byte> exchangeHash,
        char letter, ReadOnlySpan<byte> sessionId, int length)
    {
        if (length == 0)
        {
            return [];
        }
        using var input = new SshWriter();
        input.WriteBytes(encodedSharedSecret);
        input.WriteBytes(exchangeHash);
        input.WriteByte((byte)letter);
        input.WriteBytes(sessionId);
        var key = new List<byte>(kex.Hash(input.WrittenSpan));
        while (key.Count < length)
        {
            // K_n = HASH(K || H || K_1 || ... || K_{n-1})
            input.Clear();
            input.WriteBytes(encodedSharedSecret);
            input.WriteBytes(exchangeHash);
            input.WriteBytes(key.ToArray());
            key.AddRange(kex.Hash(input.WrittenSpan));
        }
        return key.GetRange(0, length).ToArray();
    }
}
