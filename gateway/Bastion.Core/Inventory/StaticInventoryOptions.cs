namespace Bastion.Core.Inventory;

/// <summary>Settings for <see cref="StaticInventory"/>.</summary>
public sealed record StaticInventoryOptions
{
    /// <summary>
    /// Domain suffixes users may append to target names, without the leading dot (e.g. "dev" lets
    /// "web-1.dev" find "web-1"); matched case-insensitively.
    /// </summary>
    public IReadOnlyList<string> DomainSuffixes { get; init; } = [];

    /// <summary>Largest edit distance at which a name is offered as "did you mean".</summary>
    public int MaxSuggestionDistance { get; init; } = 2;

    /// <summary>At most this many names are suggested.</summary>
    public int MaxSuggestions { get; init; } = 5;
}
