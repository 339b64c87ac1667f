using System.Net;
using System.Runtime.CompilerServices;

namespace Bastion.Core.Inventory;

/// <summary>
/// An immutable lookup table over cloud instances, rebuilt whenever the inventory snapshot changes, so a connection
/// never waits for the cloud API. Lookups are dictionary probes on spans: no allocation on the common paths (name,
/// name.alias, instance id, address).
/// <para>
/// Addresses are indexed by who <em>claims</em> them — every private address of every instance read, targets and
/// rejected instances alike — so that an address two owners claim is recognised as such, whoever is asked for.
/// Names come only from accepted targets whose Name tag passed <see cref="NameTagRules"/>.
/// </para>
/// </summary>
public sealed class InstanceIndex
{
    private static readonly ResolvedTarget[] None = [];

    private readonly ResolvedTarget[] _targets;
    private readonly RejectedInstance[] _rejected;
    private readonly Dictionary<string, ResolvedTarget[]> _byName;
    private readonly Dictionary<string, ResolvedTarget[]>.AlternateLookup<ReadOnlySpan<char>> _byNameSpan;
    private readonly Dictionary<string, ResolvedTarget[]>.AlternateLookup<ReadOnlySpan<char>> _byQualifiedNameSpan;
    private readonly Dictionary<string, ResolvedTarget>.AlternateLookup<ReadOnlySpan<char>> _byInstanceIdSpan;
    private readonly Dictionary<string, ResolvedTarget> _byPrivateDns;
    private readonly Dictionary<string, ResolvedTarget>.AlternateLookup<ReadOnlySpan<char>> _byPrivateDnsSpan;
    private readonly AddressClaims _claims;
    private readonly HashSet<ResolvedTarget> _conflicted = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<string, InventoryAccount>.AlternateLookup<ReadOnlySpan<char>> _accountsByAlias;
    private readonly Dictionary<string, RejectedInstance>.AlternateLookup<ReadOnlySpan<char>> _refusedByNameOrId;

    /// <param name="targets">Instances that are targets (their addresses passed the account's ranges).</param>
    /// <param name="rejected">Instances and Name tags refused; whole instances still claim their addresses.</param>
    /// <param name="accounts">Every configured account, with or without instances.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public InstanceIndex(IEnumerable<ResolvedTarget> targets, IEnumerable<RejectedInstance>? rejected = null, IEnumerable<InventoryAccount>? accounts = null)
    {
        _targets = targets.Where(t => t.Instance is not null).ToArray();
        _rejected = rejected?.ToArray() ?? [];
        var named = _targets.Where(HasName).ToArray();
        _byName = named.GroupBy(t => t.Name, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => g.ToArray(), StringComparer.OrdinalIgnoreCase);
        _byNameSpan = _byName.GetAlternateLookup<ReadOnlySpan<char>>();
        // "web-1.dev-a": the same Name tag is common across accounts, so the qualified form gets its own table.
        _byQualifiedNameSpan = named.GroupBy(t => $"{t.Name}.{t.Instance!.AccountAlias}", StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => g.ToArray(), StringComparer.OrdinalIgnoreCase)
            .GetAlternateLookup<ReadOnlySpan<char>>();

        var byInstanceId = new Dictionary<string, ResolvedTarget>(_targets.Length, StringComparer.OrdinalIgnoreCase);
        _byPrivateDns = new Dictionary<string, ResolvedTarget>(StringComparer.OrdinalIgnoreCase);
        _claims = new AddressClaims(_targets.Length);
        foreach (var target in _targets)
        {
            var instance = target.Instance!;
            byInstanceId[instance.InstanceId] = target;
            if (instance.PrivateDnsName is { Length: > 0 } dns)
            {
                _byPrivateDns[dns] = target;
                var dot = dns.IndexOf('.');
                if (dot > 0)
                {
                    _byPrivateDns.TryAdd(dns[..dot], target);
                }
            }
            Claim(target, isTarget: true);
        }
        var refused = new Dictionary<string, RejectedInstance>(StringComparer.OrdinalIgnoreCase);
        foreach (var r in _rejected.Where(r => !r.IsTarget))
        {
            Claim(r.Instance, isTarget: false);
            refused.TryAdd(r.Instance.Instance!.InstanceId, r);
            if (HasName(r.Instance))
            {
                refused.TryAdd(r.Instance.Name, r);
            }
        }
        _refusedByNameOrId = refused.GetAlternateLookup<ReadOnlySpan<char>>();
        if (_claims.HasConflicts)
        {
            MarkConflicted();
        }
        _byInstanceIdSpan = byInstanceId.GetAlternateLookup<ReadOnlySpan<char>>();
        _byPrivateDnsSpan = _byPrivateDns.GetAlternateLookup<ReadOnlySpan<char>>();

        var accountList = accounts?.ToList() ?? [];
        var known = accountList.Select(a => a.Alias).ToHashSet(StringComparer.OrdinalIgnoreCase);
        string? previous = null;
        foreach (var target in _targets.Concat(_rejected.Select(r => r.Instance)))
        {
            // Instances come account by account: compare with the previous alias before hashing.
            var alias = target.Instance!.AccountAlias;
            if (!ReferenceEquals(alias, previous) && known.Add(alias))
            {
                accountList.Add(new InventoryAccount("", alias, null, null));
            }
            previous = alias;
        }
        Accounts = accountList;
        OldestAccountReadUtcTicks = OldestRead(accountList);
        _accountsByAlias = accountList.DistinctBy(a => a.Alias, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(a => a.Alias, StringComparer.OrdinalIgnoreCase).GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public static InstanceIndex Empty { get; } = new([]);

    /// <summary>Every instance that is a target.</summary>
    public IReadOnlyList<ResolvedTarget> All => _targets;

    public int Count => _targets.Length;

    /// <summary>Instances and Name tags refused, with the reason.</summary>
    public IReadOnlyList<RejectedInstance> Rejected => _rejected;

    /// <summary>Every configured account (and any alias an instance carries).</summary>
    public IReadOnlyList<InventoryAccount> Accounts { get; }

    /// <summary>
    /// When the account read longest ago was read, in UTC ticks; far in the past when some account was never read or none
    /// is known, so that each instance's own account is looked at then.
    /// </summary>
    public long OldestAccountReadUtcTicks { get; }

    /// <summary>Addresses claimed by more than one instance, with every claimant.</summary>
    public IEnumerable<(string Address, IReadOnlyList<ResolvedTarget> Claimants)> Conflicts => _claims.Conflicts();

    /// <summary>Targets whose Name tag is <paramref name="name"/> (any case); empty when none.</summary>
    public ReadOnlySpan<ResolvedTarget> ByName(ReadOnlySpan<char> name) =>
        _byNameSpan.TryGetValue(name, out var found) ? found : None;

    /// <summary>Targets whose "Name.AccountAlias" is <paramref name="qualifiedName"/> (any case).</summary>
    public ReadOnlySpan<ResolvedTarget> ByQualifiedName(ReadOnlySpan<char> qualifiedName) =>
        _byQualifiedNameSpan.TryGetValue(qualifiedName, out var found) ? found : None;

    public ResolvedTarget? ByInstanceId(ReadOnlySpan<char> instanceId) =>
        _byInstanceIdSpan.TryGetValue(instanceId, out var found) ? found : null;

    /// <summary>Full or short private DNS name ("ip-10-1-2-3.ec2.internal" or "ip-10-1-2-3").</summary>
    public ResolvedTarget? ByPrivateDnsName(ReadOnlySpan<char> name) =>
        _byPrivateDnsSpan.TryGetValue(name, out var found) ? found : null;

    /// <summary>
    /// The one target that owns <paramref name="address"/>: null when no instance claims it, when two do, or when its
    /// only claimant is a rejected instance.
    /// </summary>
    public ResolvedTarget? ByAddress(IPAddress address) => _claims.TryGet(address, out var claim) ? Sole(claim) : null;

    /// <summary>As <see cref="ByAddress"/>, for an address written as text ("10.1.2.3"); canonical IPv4 without parsing or allocating.</summary>
    public ResolvedTarget? ByAddressText(ReadOnlySpan<char> address) => _claims.TryGet(address, out var claim) ? Sole(claim) : null;

    /// <summary>Every instance that claims <paramref name="address"/>, refused ones included.</summary>
    public IReadOnlyList<ResolvedTarget> ClaimantsOf(ReadOnlySpan<char> address) => _claims.TryGet(address, out var claim) ? claim.All : None;

    /// <summary>Whether another instance claims the address <paramref name="target"/> is dialled at; free when there are no conflicts.</summary>
    public bool IsConflicted(ResolvedTarget target) => _conflicted.Count > 0 && _conflicted.Contains(target);

    /// <summary>Whether <paramref name="target"/> is one of this index's targets (not a refused instance).</summary>
    public bool IsTarget(ResolvedTarget target) =>
        target.Instance is { } instance && ByInstanceId(instance.InstanceId) is { } indexed && ReferenceEquals(indexed, target);

    /// <summary>A refused instance (not a target at all) known by this Name tag or instance id, so a user can be told why.</summary>
    public RejectedInstance? RefusedInstance(ReadOnlySpan<char> nameOrId) => _refusedByNameOrId.TryGetValue(nameOrId, out var found) ? found : null;


    public bool IsAccountAlias(ReadOnlySpan<char> alias) => _accountsByAlias.ContainsKey(alias);

    public InventoryAccount? Account(ReadOnlySpan<char> alias) => _accountsByAlias.TryGetValue(alias, out var account) ? account : null;

    public IEnumerable<string> Names => _byName.Keys;

    /// <summary>The canonical text of an address, IPv4-mapped IPv6 written as IPv4: the key addresses are indexed by.</summary>
    public static string Canonical(IPAddress address) => (address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address).ToString();

    /// <summary>
    /// The canonical text of an address written as text, or null when it is not an address. EC2 writes IPv4 addresses
    /// canonically already, so those are recognised without parsing or allocating (the index build sees every address
    /// of every instance at each refresh).
    /// </summary>
    public static string? Canonical(string text) =>
        Ipv4Text.TryParseCanonical(text, out _) ? text : IPAddress.TryParse(text, out var address) ? Canonical(address) : null;

    /// <summary>Targets whose dialled address someone else claims too (a shared secondary address leaves the primary usable).</summary>
    private void MarkConflicted()
    {
        foreach (var (address, claimants) in _claims.Conflicts())
        {
            foreach (var claimant in claimants)
            {
                if (claimant.Host == address)
                {
                    _conflicted.Add(claimant);
                }
            }
        }
    }

    // Loops rather than LINQ here and below: the index is built at every refresh, and the first build also compiles it.
    private static long OldestRead(List<InventoryAccount> accounts)
    {
        var oldest = long.MaxValue;
        foreach (var account in accounts)
        {
            if (account.LastSuccess is not { } read)
            {
                return DateTimeOffset.MinValue.UtcTicks;
            }
            oldest = Math.Min(oldest, read.UtcTicks);
        }
        return accounts.Count > 0 ? oldest : DateTimeOffset.MinValue.UtcTicks;
    }

    /// <summary>A target is named by its Name tag unless the tag was missing or refused; then its name is its instance id.</summary>
    private static bool HasName(ResolvedTarget target) =>
        !string.Equals(target.Name, target.Instance!.InstanceId, StringComparison.OrdinalIgnoreCase);

    private void Claim(ResolvedTarget claimant, bool isTarget)
    {
        foreach (var text in claimant.Instance!.PrivateIps)
        {
            _claims.Add(text, claimant, isTarget);
        }
    }

    private static ResolvedTarget? Sole(in AddressClaims.Claim claim) => claim.Others is null && claim.FirstIsTarget ? claim.First : null;
}
