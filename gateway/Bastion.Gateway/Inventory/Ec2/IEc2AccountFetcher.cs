namespace Bastion.Gateway.Inventory.Ec2;

/// <summary>Lists the instances of one account, all its regions. Tests substitute it to drive the refresher.</summary>
public interface IEc2AccountFetcher
{
    /// <summary>
    /// Every non-terminated instance of the account and the security groups they use. Throws
    /// <see cref="Ec2ThrottledException"/> when AWS throttled the instance listing and <see cref="Ec2FetchException"/>
    /// for any other failure to list instances; never returns a partial instance list. Failing to read security
    /// groups does not throw: it is reported in <see cref="Ec2AccountFetch.SecurityGroupsError"/>.
    /// </summary>
    Task<Ec2AccountFetch> FetchAsync(Ec2AccountOptions account, CancellationToken cancellationToken);
}
