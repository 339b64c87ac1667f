using System.Net;

namespace Bastion.Core.Inventory;

/// <summary>Resolution rules for cloud instances; the index comes from the current inventory snapshot.</summary>
public sealed record InstanceResolverOptions
{
    /// <summary>Domain suffixes users may append ("dev" lets web-1.dev mean web-1).</summary>
    public IReadOnlyList<string> DomainSuffixes { get; init; } = [];

    /// <summary>Whether a private IP may be used directly; it must still belong to a known instance.</summary>
    public bool AllowAddresses { get; init; } = true;

    public int MaxSuggestionDistance { get; init; } = 2;

    public int MaxSuggestions { get; init; } = 5;
}

/// <summary>
/// Turns what the user typed into exactly one instance, or a sentence that says why not: "name", "name.SUFFIX",
/// "name.ACCOUNT-ALIAS[.SUFFIX]", an instance id, a private DNS name or a private IP of a known instance.
/// Several instances with one Name are listed rather than guessed between; a stopped instance says so.
/// </summary>
public sealed class InstanceResolver
{
    private readonly Func<InstanceIndex> _index;
    private readonly InstanceResolverOptions _options;

    public InstanceResolver(Func<InstanceIndex> index, InstanceResolverOptions? options = null)
    {
        _index = index;
        _options = options ?? new InstanceResolverOptions();
    }

    public TargetResolution Resolve(string requestedHost)
    {
        var index = _index();
        var requested = requestedHost.AsSpan().Trim().TrimEnd('.');
        var name = StripSuffix(requested);

        if (name.StartsWith("i-", StringComparison.OrdinalIgnoreCase))
        {
            return index.ByInstanceId(name) is { } byId ? Usable(byId, requestedHost) : Unknown(index, requestedHost, name);
        }
        // Probe order matters at 100k instances: each miss in a big table is a cache miss, so try the table the
        // spelling points at first (a canonical address, then "name.ALIAS" when the last label is an alias).
        if (name.Length > 0 && char.IsAsciiDigit(name[0]) && index.ByAddressText(name) is { } byText)
        {
            return _options.AllowAddresses ? Usable(byText, requestedHost) : AddressesNotAllowed(name.ToString());
        }
        var dot = name.LastIndexOf('.');
        if (dot > 0 && index.IsAccountAlias(name[(dot + 1)..]))
        {
            var inAccount = index.ByQualifiedName(name);
            if (inAccount.Length == 1)
            {
                return Usable(inAccount[0], requestedHost);
            }
            if (inAccount.Length > 1)
            {
                return Ambiguous(name.ToString(), inAccount);
            }
        }
        var byName = index.ByName(name);
        if (byName.Length == 1)
        {
            return Usable(byName[0], requestedHost);
        }
        if (byName.Length > 1)
        {
            return Ambiguous(name.ToString(), byName);
        }
        if (IPAddress.TryParse(name, out var address))
        {
            if (!_options.AllowAddresses)
            {
                return AddressesNotAllowed(address.ToString());
            }
            return index.ByAddress(address) is { } byAddress
                ? Usable(byAddress, requestedHost)
                : TargetResolution.Failed($"{address} is not the private address of any known instance; connect by instance name");
        }
        if (index.ByPrivateDnsName(name.ToString()) is { } byDns)
        {
            return Usable(byDns, requestedHost);
        }
        return Unknown(index, requestedHost, name);
    }

    private ReadOnlySpan<char> StripSuffix(ReadOnlySpan<char> requested)
    {
        foreach (var suffix in _options.DomainSuffixes)
        {
            var bare = suffix.AsSpan().Trim('.');
            if (requested.Length > bare.Length + 1 && requested[^(bare.Length + 1)] == '.' && requested[^bare.Length..].Equals(bare, StringComparison.OrdinalIgnoreCase))
            {
                return requested[..^(bare.Length + 1)];
            }
        }
        return requested;
    }

    private static TargetResolution AddressesNotAllowed(string address) =>
        TargetResolution.Failed($"connect by instance name, not by address ({address}); run \"ssh <bastion>\" to list names");

    private static TargetResolution Usable(ResolvedTarget target, string requested)
    {
        var instance = target.Instance!;
        if (!instance.IsRunning)
        {
            return TargetResolution.Failed(
                $"{target.Name} ({instance.InstanceId} in {instance.AccountAlias}, {instance.Region}) is {instance.State}; start it in the EC2 console or with: aws ec2 start-instances --instance-ids {instance.InstanceId}");
        }
        return TargetResolution.Found(target);
    }

    private static TargetResolution Ambiguous(string name, ReadOnlySpan<ResolvedTarget> candidates)
    {
        var listed = new List<string>(candidates.Length);
        foreach (var candidate in candidates)
        {
            var instance = candidate.Instance!;
            var state = instance.IsRunning ? "" : $", {instance.State}";
            listed.Add($"{candidate.Name}.{instance.AccountAlias} ({instance.InstanceId}, {candidate.Host}{state})");
        }
        listed.Sort(StringComparer.OrdinalIgnoreCase);
        return TargetResolution.Failed($"{name} matches {candidates.Length} instances: {string.Join(", ", listed)}; add the account alias, e.g. {listed[0].Split(' ')[0]}");
    }

    private TargetResolution Unknown(InstanceIndex index, string requested, ReadOnlySpan<char> name)
    {
        var suggestions = NameSuggester.Suggest(name.ToString(), index.Names, _options.MaxSuggestionDistance, _options.MaxSuggestions);
        return TargetResolution.Failed(suggestions.Count > 0
            ? $"no instance named \"{requested}\"; did you mean {NameSuggester.JoinAlternatives(suggestions)}?"
            : $"no instance named \"{requested}\"; check the Name tag of your instance, or run \"ssh <bastion>\" to list what you may reach");
    }
}
