using Bastion.Ssh.Algorithms;
using Bastion.Ssh.Algorithms.Ciphers;
using Bastion.Ssh.Algorithms.HostKeys;
using Bastion.Ssh.Algorithms.KeyExchange;
using Bastion.Ssh.Algorithms.Macs;
using Bastion.Ssh.Messages;
using Bastion.Ssh.Wire;

namespace Bastion.Ssh.Transport;

/// <summary>What one key exchange agreed on (RFC 4253 §7.1: the first client preference the server supports).</summary>
public sealed record NegotiatedAlgorithms(
    string KeyExchange,
    string HostKeyAlgorithm,
    string CipherClientToServer,
    string CipherServerToClient,
    string? MacClientToServer,
    string? MacServerToClient)
{
    internal KeyExchangeAlgorithm KeyExchangeAlgorithm { get; init; } = null!;
    internal HostKey HostKey { get; init; } = null!;
    internal CipherAlgorithm InboundCipher { get; init; } = null!;
    internal CipherAlgorithm OutboundCipher { get; init; } = null!;
    internal MacAlgorithm? InboundMac { get; init; }
    internal MacAlgorithm? OutboundMac { get; init; }

    public override string ToString() =>
        $"kex={KeyExchange} hostkey={HostKeyAlgorithm} cipher={CipherClientToServer} mac={MacClientToServer ?? "<implicit>"}";

    /// <summary>Pseudo-algorithms that signal features, never chosen as a kex method.</summary>
    internal static bool IsMarker(string name) =>
        name is "ext-info-c" or "ext-info-s" or "kex-strict-c-v00@openssh.com" or "kex-strict-s-v00@openssh.com"
        || name.StartsWith("ext-info-in-auth", StringComparison.Ordinal);

    internal static NegotiatedAlgorithms Negotiate(KexInitMessage client, AlgorithmTable table, IReadOnlyList<HostKey> hostKeys)
    {
        var kexName = Pick("key exchange", client.KexAlgorithms.Where(n => !IsMarker(n)), table.KeyExchanges.Select(k => k.Name));
        var hostKeyAlgorithms = hostKeys.SelectMany(k => k.SignatureAlgorithms).ToArray();
        var hostKeyName = Pick("host key", client.ServerHostKeyAlgorithms, hostKeyAlgorithms);
        var cipherIn = Pick("client-to-server cipher", client.CiphersClientToServer, table.Ciphers.Select(c => c.Name));
        var cipherOut = Pick("server-to-client cipher", client.CiphersServerToClient, table.Ciphers.Select(c => c.Name));
        var inbound = table.FindCipher(cipherIn)!;
        var outbound = table.FindCipher(cipherOut)!;
        var macIn = inbound.IsAead ? null : Pick("client-to-server MAC", client.MacsClientToServer, table.Macs.Select(m => m.Name));
        var macOut = outbound.IsAead ? null : Pick("server-to-client MAC", client.MacsServerToClient, table.Macs.Select(m => m.Name));
        if (!client.CompressionClientToServer.Contains("none") || !client.CompressionServerToClient.Contains("none"))
        {
            throw new SshProtocolException(DisconnectReason.KeyExchangeFailed, "no common compression: this server only speaks \"none\"");
        }
        return new NegotiatedAlgorithms(kexName, hostKeyName, cipherIn, cipherOut, macIn, macOut)
        {
            KeyExchangeAlgorithm = table.FindKeyExchange(kexName)!,
            HostKey = hostKeys.First(k => k.SignatureAlgorithms.Contains(hostKeyName)),
            InboundCipher = inbound,
            OutboundCipher = outbound,
            InboundMac = macIn is null ? null : table.FindMac(macIn),
            OutboundMac = macOut is null ? null : table.FindMac(macOut),
        };
    }

    private static string Pick(string what, IEnumerable<string> clientPreference, IEnumerable<string> serverSupported)
    {
        var supported = serverSupported.ToList();
        var clientList = clientPreference.ToList();
        foreach (var name in clientList)
        {
            if (supported.Contains(name))
            {
                return name;
            }
        }
        throw new SshProtocolException(DisconnectReason.KeyExchangeFailed,
            $"no common {what} algorithm: client offers [{string.Join(",", clientList)}], server supports [{string.Join(",", supported)}]");
    }
}
