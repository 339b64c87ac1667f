using System.Net;

namespace Bastion.Core.Inventory;

/// <summary>
/// An immutable lookup table over cloud instances, rebuilt whenever the inventory snapshot changes, so a
/// connection never waits for the cloud API. Lookups are dictionary probes on spans: no allocation on the
/// common paths (name, name.suffix, instance id, IP).
/// </summary>
public sealed class InstanceIndex
{
    private static readonly ResolvedTarget[] None = [];

    private readonly ResolvedTarget[] _targets;
    private readonly Dictionary<string, ResolvedTarget[]> _byName;
    private readonly Dictionary<string, ResolvedTarget[]>.AlternateLookup<ReadOnlySpan<char>> _byNameSpan;
    private readonly Dictionary<string, ResolvedTarget[]>.AlternateLookup<ReadOnlySpan<char>> _byQualifiedNameSpan;
    private readonly Dictionary<string, ResolvedTarget> _byInstanceId;
    private readonly Dictionary<string, ResolvedTarget>.AlternateLookup<ReadOnlySpan<char>> _byInstanceIdSpan;
    private readonly Dictionary<string, ResolvedTarget> _byPrivateDns;
    private readonly Dictionary<IPAddress, ResolvedTarget> _byAddress;
    private readonly Dictionary<string, ResolvedTarget>.AlternateLookup<ReadOnlySpan<char>> _byAddressText;
    private readonly HashSet<string> _accountAliases;
    private readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> _accountAliasesSpan;

    public InstanceIndex(IEnumerable<ResolvedTarget> targets)
    {
        _targets = targets.Where(t => t.Instance is not null).ToArray();
        _byName = _targets.GroupBy(t => t.Name, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => g.ToArray(), StringComparer.OrdinalIgnoreCase);
        _byNameSpan = _byName.GetAlternateLookup<ReadOnlySpan<char>>();
        // "web-1.dev-a": the same Name tag is common across accounts, so the qualified form gets its own table.
        _byQualifiedNameSpan = _targets.GroupBy(t => $"{t.Name}.{t.Instance!.AccountAlias}", StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => g.ToArray(), StringComparer.OrdinalIgnoreCase)
            .GetAlternateLookup<ReadOnlySpan<char>>();
        _byInstanceId = new Dictionary<string, ResolvedTarget>(StringComparer.OrdinalIgnoreCase);
        _byPrivateDns = new Dictionary<string, ResolvedTarget>(StringComparer.OrdinalIgnoreCase);
        _byAddress = new Dictionary<IPAddress, ResolvedTarget>();
        var byAddressText = new Dictionary<string, ResolvedTarget>(StringComparer.Ordinal);
        _accountAliases = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var target in _targets)
        {
            var instance = target.Instance!;
            _byInstanceId[instance.InstanceId] = target;
            _accountAliases.Add(instance.AccountAlias);
            if (instance.PrivateDnsName is { Length: > 0 } dns)
            {
                _byPrivateDns[dns] = target;
                var shortName = dns.Split('.')[0];
                _byPrivateDns.TryAdd(shortName, target);
            }
            foreach (var ip in instance.PrivateIps)
            {
                if (IPAddress.TryParse(ip, out var address))
                {
                    _byAddress.TryAdd(address, target);
                    byAddressText.TryAdd(address.ToString(), target);
                }
            }
        }
        _byInstanceIdSpan = _byInstanceId.GetAlternateLookup<ReadOnlySpan<char>>();
        _byAddressText = byAddressText.GetAlternateLookup<ReadOnlySpan<char>>();
        _accountAliasesSpan = _accountAliases.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public static InstanceIndex Empty { get; } = new([]);

    public IReadOnlyList<ResolvedTarget> All => _targets;

    public int Count => _targets.Length;

    /// <summary>Instances whose Name tag is <paramref name="name"/> (any case); empty when none.</summary>
    public ReadOnlySpan<ResolvedTarget> ByName(ReadOnlySpan<char> name) =>
        _byNameSpan.TryGetValue(name, out var found) ? found : None;

    /// <summary>Instances whose "Name.AccountAlias" is <paramref name="qualifiedName"/> (any case).</summary>
    public ReadOnlySpan<ResolvedTarget> ByQualifiedName(ReadOnlySpan<char> qualifiedName) =>
        _byQualifiedNameSpan.TryGetValue(qualifiedName, out var found) ? found : None;

    public ResolvedTarget? ByInstanceId(ReadOnlySpan<char> instanceId) =>
        _byInstanceIdSpan.TryGetValue(instanceId, out var found) ? found : null;

    /// <summary>Full or short private DNS name ("ip-10-1-2-3.ec2.internal" or "ip-10-1-2-3").</summary>
    public ResolvedTarget? ByPrivateDnsName(string name) => _byPrivateDns.GetValueOrDefault(name);

    /// <summary>Reverse lookup: the instance that owns a private IP.</summary>
    public ResolvedTarget? ByAddress(IPAddress address) =>
        _byAddress.GetValueOrDefault(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address);

    /// <summary>The owner of an address written in canonical form ("10.1.2.3"), without parsing or allocating.</summary>
    public ResolvedTarget? ByAddressText(ReadOnlySpan<char> address) =>
        _byAddressText.TryGetValue(address, out var found) ? found : null;

    public bool IsAccountAlias(ReadOnlySpan<char> alias) => _accountAliasesSpan.Contains(alias);

    public IEnumerable<string> Names => _byName.Keys;
}
