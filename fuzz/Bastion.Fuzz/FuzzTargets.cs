using System.Diagnostics.CodeAnalysis;
using Bastion.Fuzz.Targets;

namespace Bastion.Fuzz;

/// <summary>
/// One fuzz target: feeds one input to one parser or state machine. It catches only the exceptions the code under test
/// documents for bad input; anything else escapes and is a finding.
/// </summary>
public interface IFuzzTarget
{
    void Run(byte[] input);
}

/// <summary>Every target, keyed by the name run.sh, the corpus directory and the replay test use.</summary>
public static class FuzzTargets
{
    private static readonly Dictionary<string, Func<IFuzzTarget>> Table = new(StringComparer.Ordinal)
    {
        ["version"] = () => new VersionExchangeTarget(),
        ["packet-none"] = () => PacketReaderTarget.Plain(),
        ["packet-chacha20-poly1305"] = () => PacketReaderTarget.For("chacha20-poly1305@openssh.com", null),
        ["packet-aes256-gcm"] = () => PacketReaderTarget.For("aes256-gcm@openssh.com", null),
        ["packet-aes128-gcm"] = () => PacketReaderTarget.For("aes128-gcm@openssh.com", null),
        ["packet-aes256-ctr-hmac-sha2-256-etm"] = () => PacketReaderTarget.For("aes256-ctr", "hmac-sha2-256-etm@openssh.com"),
        ["packet-aes128-ctr-hmac-sha2-512-etm"] = () => PacketReaderTarget.For("aes128-ctr", "hmac-sha2-512-etm@openssh.com"),
        ["packet-aes128-ctr-hmac-sha2-256"] = () => PacketReaderTarget.For("aes128-ctr", "hmac-sha2-256"),
        ["message"] = () => new MessageTarget(),
        ["kexinit"] = () => new KexInitTarget(),
        ["userauth"] = () => new SessionTarget(authenticated: false),
        ["connection"] = () => new SessionTarget(authenticated: true),
        ["authorized-keys"] = () => new AuthorizedKeysTarget(),
        ["private-key"] = () => new PrivateKeyTarget(),
        ["signature"] = () => new SignatureTarget(),
        ["dns"] = () => new DnsTarget(),
        ["asciicast"] = () => new AsciicastTarget(),
    };

    public static IEnumerable<string> Names => Table.Keys;

    public static bool TryGet(string name, [NotNullWhen(true)] out IFuzzTarget? target)
    {
        target = Table.TryGetValue(name, out var create) ? create() : null;
        return target is not null;
    }
}
