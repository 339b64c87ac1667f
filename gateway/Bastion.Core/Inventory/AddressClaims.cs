using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;

namespace Bastion.Core.Inventory;

/// <summary>
/// Who claims each address: every private address of every instance read, targets and refused instances alike.
/// IPv4 addresses (nearly all of them) are keyed by their number, so building and probing costs no parsing into
/// IPAddress and no string hashing; anything else is keyed by its canonical text.
/// </summary>
internal sealed class AddressClaims
{
    // The first claimant of each IPv4 address, compact (a reference per entry) since every lookup probes it; whether
    // that claimant is a target and who else claims the address live apart, for the few addresses where it matters.
    // Keyed by int and holding references only: those dictionary instantiations come compiled with the runtime, where
    // uint keys or struct values made the first index build pay for compiling dictionary code (bench/inventory.sh).
    private readonly Dictionary<int, ResolvedTarget> _v4;
    private readonly Dictionary<int, Unusual> _v4Unusual = [];
    private readonly Dictionary<string, Unusual> _other = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Unusual>.AlternateLookup<ReadOnlySpan<char>> _otherByText;

    public AddressClaims(int capacity)
    {
        _v4 = new Dictionary<int, ResolvedTarget>(capacity);
        _otherByText = _other.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>The first claimant of an address, whether it is a target, and any others (null for none: the usual case).</summary>
    public readonly record struct Claim(ResolvedTarget First, bool FirstIsTarget, List<ResolvedTarget>? Others)
    {
        public int Count => 1 + (Others?.Count ?? 0);

        public IReadOnlyList<ResolvedTarget> All => Others is null ? [First] : [First, .. Others];
    }

    /// <summary>An address claimed twice, or only by a refused instance: kept apart from the usual ones.</summary>
    private sealed class Unusual
    {
        public ResolvedTarget? First;
        public bool FirstIsTarget;
        public List<ResolvedTarget>? Others;

        public Claim View => new(First!, FirstIsTarget, Others);
    }

    /// <summary>True when some address is claimed twice.</summary>
    public bool HasConflicts { get; private set; }

    /// <summary>Records that <paramref name="claimant"/> claims <paramref name="address"/> (text as EC2 wrote it); false when it is no address.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool Add(string address, ResolvedTarget claimant, bool isTarget)
    {
        if (Ipv4Text.TryParseCanonical(address, out var v4))
        {
            AddV4(v4, claimant, isTarget);
            return true;
        }
        if (!IPAddress.TryParse(address, out var parsed))
        {
            return false;
        }
        var canonical = InstanceIndex.Canonical(parsed);
        if (Ipv4Text.TryParseCanonical(canonical, out v4))
        {
            AddV4(v4, claimant, isTarget); // "010.1.2.3", "::ffff:10.1.2.3"
            return true;
        }
        if (!_other.TryGetValue(canonical, out var unusual))
        {
            _other[canonical] = unusual = new Unusual();
        }
        Merge(unusual, claimant, isTarget);
        return true;
    }

    /// <summary>The claim on an address written as text (canonical IPv4 fast; other forms parsed).</summary>
    public bool TryGet(ReadOnlySpan<char> address, out Claim claim)
    {
        if (Ipv4Text.TryParseCanonical(address, out var v4))
        {
            return TryGetV4(v4, out claim);
        }
        if (_other.Count > 0 && _otherByText.TryGetValue(address, out var unusual))
        {
            claim = unusual.View;
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
#pragma warning disable CS0618 // IPAddress.Address: obsolete for IPv6, but for IPv4 the one way to read it without copying bytes
            return TryGetV4(BinaryPrimitives.ReverseEndianness((uint)address.Address), out claim);
#pragma warning restore CS0618
        }
        if (_other.TryGetValue(address.ToString(), out var unusual))
        {
            claim = unusual.View;
            return true;
        }
        claim = default;
        return false;
    }

    private bool TryGetV4(uint address, out Claim claim)
    {
        if (_v4Unusual.Count > 0 && _v4Unusual.TryGetValue((int)address, out var unusual))
        {
            claim = unusual.View;
            return true;
        }
        if (_v4.TryGetValue((int)address, out var first))
        {
            claim = new Claim(first, true, null);
            return true;
        }
        claim = default;
        return false;
    }

    private void AddV4(uint address, ResolvedTarget claimant, bool isTarget)
    {
        var key = (int)address;
        if (_v4Unusual.Count > 0 && _v4Unusual.TryGetValue(key, out var unusual))
        {
            Merge(unusual, claimant, isTarget);
            return;
        }
        if (_v4.TryGetValue(key, out var first))
        {
            if (SameInstance(first, claimant))
            {
                return;
            }
            // A second claimant: the address moves to the unusual table with both.
            _v4.Remove(key);
            unusual = new Unusual { First = first, FirstIsTarget = true };
            Merge(unusual, claimant, isTarget);
            _v4Unusual[key] = unusual;
            return;
        }
        if (isTarget)
        {
            _v4[key] = claimant;
            return;
        }
        _v4Unusual[key] = new Unusual { First = claimant, FirstIsTarget = false };
    }

    private void Merge(Unusual claim, ResolvedTarget claimant, bool isTarget)
    {
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
    }

    /// <summary>Addresses claimed more than once, in canonical text, with every claimant.</summary>
    public IEnumerable<(string Address, IReadOnlyList<ResolvedTarget> Claimants)> Conflicts()
    {
        if (!HasConflicts)
        {
            yield break;
        }
        foreach (var (key, claim) in _v4Unusual)
        {
            if (claim.Others is not null)
            {
                var v4 = (uint)key;
                yield return (new IPAddress([(byte)(v4 >> 24), (byte)(v4 >> 16), (byte)(v4 >> 8), (byte)v4]).ToString(), claim.View.All);
            }
        }
        foreach (var (key, claim) in _other)
        {
            if (claim.Others is not null)
            {
                yield return (key, claim.View.All);
            }
        }
    }

    private static bool SameInstance(ResolvedTarget a, ResolvedTarget b) =>
        ReferenceEquals(a, b) || string.Equals(a.Instance?.InstanceId, b.Instance?.InstanceId, StringComparison.Ordinal);
}
