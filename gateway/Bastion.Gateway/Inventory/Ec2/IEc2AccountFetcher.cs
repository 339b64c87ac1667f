namespace Bastion.Gateway.Inventory.Ec2;

/// <summary>Lists the instances of one account, all its regions. Tests substitute it to drive the refresher.</summary>
public interface IEc2AccountFetcher
{
    /// <summary>
    /// Every non-terminated instance of the account. Throws <see cref="Ec2ThrottledException"/> when AWS throttled
    /// the calls and <see cref="Ec2FetchException"/> for any other failure; never returns a partial list.
    /// </summary>
    Task<IReadOnlyList<Ec2Instance>> FetchAsync(Ec2AccountOptions account, CancellationToken cancellationToken);
}
