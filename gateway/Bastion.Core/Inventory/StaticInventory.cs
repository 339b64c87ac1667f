using System.Net;
using Bastion.Core.Store;

namespace Bastion.Core.Inventory;

/// <summary>
/// Resolves targets from the static inventory in the store. Reads the store on every call, so targets added
/// by the CLI or the admin app are visible at once (the table is small).
/// Resolution order: exact name (any case) → name after stripping a configured domain suffix → host/IP of
/// a known target. Otherwise the error suggests close names.
/// </summary>
public sealed class StaticInventory : ITargetResolver
{
    /// <summary>Value of <see cref="ResolvedTarget.Source"/> for targets from this resolver.</summary>
    public const string SourceName = "static";

    private readonly ITargetStore _store;
    private readonly StaticInventoryOptions _options;

    public StaticInventory(ITargetStore store, StaticInventoryOptions? options = null)
    {
        _store = store ?? throw new ArgumentNullException(nameof(store));
        _options = options ?? new StaticInventoryOptions();
    }

    /// <inheritdoc />
    public async ValueTask<TargetResolution> ResolveAsync(string requestedHost, CancellationToken ct)
    {
        var requested = (requestedHost ?? "").Trim().TrimEnd('.');
        if (requested.Length == 0)
        {
            return TargetResolution.Failed("no target given; connect to a target name, e.g. ssh -J bastion web-1");
        }
        var targets = await _store.ListTargetsAsync(ct).ConfigureAwait(false);

        var byName = FindByName(targets, requested) ?? FindByName(targets, StripSuffix(requested));
        if (byName is not null)
        {
            return TargetResolution.Found(ToResolved(byName));
        }

        var byHost = targets.Where(t => string.Equals(t.Host, requested, StringComparison.OrdinalIgnoreCase)
                                        || SameAddress(t.Host, requested)).ToList();
        if (byHost.Count == 1)
        {
            return TargetResolution.Found(ToResolved(byHost[0]));
        }
        if (byHost.Count > 1)
        {
            return TargetResolution.Failed(
                $"host \"{requested}\" belongs to several targets ({string.Join(", ", byHost.Select(t => t.Name))}); connect by target name instead");
        }

        var suggestions = NameSuggester.Suggest(StripSuffix(requested), targets.Select(t => t.Name),
            _options.MaxSuggestionDistance, _options.MaxSuggestions);
        return TargetResolution.Failed(suggestions.Count > 0
            ? $"no target named \"{requested}\"; did you mean {NameSuggester.JoinAlternatives(suggestions)}?"
            : $"no target named \"{requested}\"; ask an administrator to add it, or check the name");
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<ResolvedTarget>> ListAsync(CancellationToken ct)
    {
        var targets = await _store.ListTargetsAsync(ct).ConfigureAwait(false);
        return targets.Select(ToResolved).ToList();
    }

    private string StripSuffix(string requested)
    {
        foreach (var suffix in _options.DomainSuffixes)
        {
            var dotted = "." + suffix.Trim('.');
            if (requested.Length > dotted.Length && requested.EndsWith(dotted, StringComparison.OrdinalIgnoreCase))
            {
                return requested[..^dotted.Length];
            }
        }
        return requested;
    }

    private static Target? FindByName(IReadOnlyList<Target> targets, string name) =>
        targets.FirstOrDefault(t => string.Equals(t.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// Different spellings of one IPv6 address name the same host. Only dotted or colon forms count, because
    /// IPAddress.TryParse also accepts "10" (as 0.0.0.10), which is far more likely a mistyped name.
    /// </summary>
    private static bool SameAddress(string a, string b) =>
        LooksLikeAddress(a) && LooksLikeAddress(b)
        && IPAddress.TryParse(a, out var x) && IPAddress.TryParse(b, out var y) && x.Equals(y);

    private static bool LooksLikeAddress(string s) => s.Contains(':', StringComparison.Ordinal) || s.Count(c => c == '.') == 3;

    private static ResolvedTarget ToResolved(Target t) => new(t.Name, t.Host, t.Port, t.Account, t.Tags, SourceName);
}
