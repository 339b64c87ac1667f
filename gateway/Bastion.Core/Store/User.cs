using Bastion.Core.Mfa;
namespace Bastion.Core.Store;

/// <summary>A person or automation account that may log in to the bastion.</summary>
/// <param name="Groups">Group names, sorted; referenced by access rules as "@group".</param>
/// <param name="MfaPolicy">One of <see cref="MfaPolicies"/>.</param>
public sealed record User(
    long Id,
    string Name,
    bool Disabled,
    IReadOnlyList<string> Groups,
    string MfaPolicy,
    bool IsAutomation,
    DateTimeOffset CreatedAt);

/// <summary>What is needed to add a user. Validated by <see cref="Validate"/> before anything is stored.</summary>
public sealed record NewUser(string Name)
{
    public IReadOnlyList<string> Groups { get; init; } = [];

    public string MfaPolicy { get; init; } = MfaPolicies.Default;

    public bool IsAutomation { get; init; }

    public bool Disabled { get; init; }

    /// <summary>Throws <see cref="InvalidEntityException"/> describing the first problem found.</summary>
    public void Validate()
    {
        Names.EnsureUserName(Name);
        foreach (var group in Groups)
        {
            Names.EnsureGroupName(group);
        }
        MfaPolicies.EnsureValid(MfaPolicy, IsAutomation);
    }
}

/// <summary>A partial update of a user: null properties are left as they are.</summary>
public sealed record UserChanges
{
    public bool? Disabled { get; init; }

    /// <summary>Replaces the whole group list when set.</summary>
    public IReadOnlyList<string>? Groups { get; init; }

    public string? MfaPolicy { get; init; }

    public bool? IsAutomation { get; init; }
}
