using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Bastion.Core.Inventory;

/// <summary>
/// Who claims each address: every private address of every instance read, targets and refused instances alike.
/// IPv4 addresses (nearly all of them) are keyed by their number, so building and probing costs no parsing into
/// IPAddress and no string hashing; anything else is keyed by its canonical text.
/// </summary>
internal sealed class AddressClaims
{
    private readonly Dictionary<uint, Claim> _v4;
    private readonly Dictionary<string, Claim> _other = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Claim>.AlternateLookup<ReadOnlySpan<char>> _otherByText;

    public AddressClaims(int capacity)
    {
        _v4 = new Dictionary<uint, Claim>(capacity);
        _otherByText = _other.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>The first claimant of an address, whether it is a target, and any others (null for none: the usual case).</summary>
    public struct Claim
    {
        public ResolvedTarget First;
        public bool FirstIsTarget;
        public List<ResolvedTarget>? Others;

        public readonly int Count => 1 + (Others?.Count ?? 0);

        public readonly IReadOnlyList<ResolvedTarget> All => Others is null ? [First] : [First, .. Others];
    }

    /// <summary>True when some address is claimed twice.</summary>
    public bool HasConflicts { get; private set; }

    /// <summary>Records that <paramref name="claimant"/> claims <paramref name="address"/> (text as EC2 wrote it); false when it is no address.</summary>
    public bool Add(string address, ResolvedTarget claimant, bool isTarget)
    {
        ref var claim = ref Ipv4Text.TryParseCanonical(address, out var v4)
            ? ref CollectionsMarshal.GetValueRefOrAddDefault(_v4, v4, out _)
            : ref OtherSlot(address);
        if (Unsafe.IsNullRef(ref claim))
        {
            return false;
        }
        if (claim.First is null)
        {
            claim.First = claimant;
            claim.FirstIsTarget = isTarget;
        }
        else if (!SameInstance(claim.First, claimant) && !(claim.Others?.Any(o => SameInstance(o, claimant)) ?? false))
        {
            (claim.Others ??= []).Add(claimant);
            HasConflicts = true;
        }
        return true;
    }

    /// <summary>The claim on an address written as text (canonical IPv4 fast; other forms parsed).</summary>
    public bool TryGet(ReadOnlySpan<char> address, out Claim claim)
    {
        if (Ipv4Text.TryParseCanonical(address, out var v4))
        {
            return _v4.TryGetValue(v4, out claim);
        }
        if (_other.Count > 0 && _otherByText.TryGetValue(address, out claim))
        {
            return true;
        }
        claim = default;
        return IPAddress.TryParse(address, out var parsed) && TryGet(parsed, out claim);
    }

    public bool TryGet(IPAddress address, out Claim claim)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            Span<byte> bytes = stackalloc byte[4];
            address.TryWriteBytes(bytes, out _);
            return _v4.TryGetValue((uint)bytes[0] << 24 | (uint)bytes[1] << 16 | (uint)bytes[2] << 8 | bytes[3], out claim);
        }
        return _other.TryGetValue(address.ToString(), out claim);
    }

    /// <summary>Addresses claimed more than once, in canonical text, with every claimant.</summary>
    public IEnumerable<(string Address, IReadOnlyList<ResolvedTarget> Claimants)> Conflicts()
    {
        if (!HasConflicts)
        {
            yield break;
        }
        foreach (var (key, claim) in _v4)
        {
            if (claim.Others is not null)
            {
                yield return (new IPAddress([(byte)(key >> 24), (byte)(key >> 16), (byte)(key >> 8), (byte)key]).ToString(), claim.All);
            }
        }
        foreach (var (key, claim) in _other)
        {
            if (claim.Others is not null)
            {
                yield return (key, claim.All);
            }
        }
    }

    private ref Claim OtherSlot(string address)
    {
        if (!IPAddress.TryParse(address, out var parsed))
        {
            return ref Unsafe.NullRef<Claim>();
        }
        var canonical = InstanceIndex.Canonical(parsed);
        if (Ipv4Text.TryParseCanonical(canonical, out var v4))
        {
            return ref CollectionsMarshal.GetValueRefOrAddDefault(_v4, v4, out _); // "010.1.2.3", "::ffff:10.1.2.3"
        }
        return ref CollectionsMarshal.GetValueRefOrAddDefault(_other, canonical, out _);
    }

    private static bool SameInstance(ResolvedTarget a, ResolvedTarget b) =>
        ReferenceEquals(a, b) || string.Equals(a.Instance?.InstanceId, b.Instance?.InstanceId, StringComparison.Ordinal);
}
