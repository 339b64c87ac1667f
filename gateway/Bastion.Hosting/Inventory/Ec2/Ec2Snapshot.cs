using System.Collections.Immutable;

namespace Bastion.Hosting.Inventory.Ec2;

/// <summary>
/// Everything the EC2 inventory knows at one moment. Immutable: readers take <see cref="Ec2Inventory.Current"/>
/// once and use it without locks while refreshes build the next one.
/// </summary>
public sealed class Ec2Snapshot
{
    public Ec2Snapshot(IReadOnlyList<Ec2AccountStatus> accounts, DateTimeOffset takenAt, long version = 0)
    {
        Accounts = accounts.ToImmutableArray();
        var builder = ImmutableArray.CreateBuilder<Ec2Instance>(Accounts.Sum(a => a.Instances.Count));
        foreach (var account in Accounts)
        {
            builder.AddRange(account.Instances);
        }
        Instances = builder.MoveToImmutable();
        TakenAt = takenAt;
        Version = version;
    }

    /// <summary>One status per configured account, in configuration order.</summary>
    public IReadOnlyList<Ec2AccountStatus> Accounts { get; }

    /// <summary>The instances of all accounts (stale accounts included, with their last good list).</summary>
    public IReadOnlyList<Ec2Instance> Instances { get; }

    /// <summary>When this snapshot was assembled (the latest account update in it).</summary>
    public DateTimeOffset TakenAt { get; }

    /// <summary>
    /// Counts publications: each snapshot is one above the one it was built from. Accounts refresh side by side, so
    /// subscribers can receive snapshots out of order; this tells them which one is newer.
    /// </summary>
    public long Version { get; }

    /// <summary>Every account has finished at least one refresh, successful or not.</summary>
    public bool IsComplete => Accounts.All(a => a.HasBeenAttempted);

    /// <summary>Finds an account by id or alias (alias case-insensitive).</summary>
    public Ec2AccountStatus? FindAccount(string idOrAlias) =>
        Accounts.FirstOrDefault(a => a.Account.Id == idOrAlias)
        ?? Accounts.FirstOrDefault(a => string.Equals(a.Account.Alias, idOrAlias, StringComparison.OrdinalIgnoreCase));

    /// <summary>A copy with one account's status replaced.</summary>
    public Ec2Snapshot With(Ec2AccountStatus status, DateTimeOffset takenAt) =>
        new(Accounts.Select(a => a.Account.Id == status.Account.Id ? status : a).ToList(), takenAt, Version + 1);
}
