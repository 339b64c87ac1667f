using Amazon.EC2;
using Amazon.EC2.Model;
using Amazon.Runtime;
using Microsoft.Extensions.Logging;

namespace Bastion.Gateway.Inventory.Ec2;

/// <summary>
/// Lists one account's instances the AWS way: assume the account's role with the gateway's own credentials,
/// then page through DescribeInstances (and DescribeSecurityGroups, beside it) in each region with the role's
/// temporary credentials.
/// </summary>
public sealed class Ec2AccountFetcher : IEc2AccountFetcher, IDisposable
{
    private readonly Ec2InventoryOptions _options;
    private readonly Ec2ClientFactory _clients;
    private readonly Ec2RoleCredentialCache _roles;
    private readonly TimeProvider _time;
    private readonly ILogger<Ec2AccountFetcher> _logger;

    /// <param name="baseCredentials">
    /// The gateway's own credentials, used only for AssumeRole. Null (production): the SDK's default chain
    /// (environment, profile, instance profile). Tests pass the fake's base credentials.
    /// </param>
    public Ec2AccountFetcher(Ec2InventoryOptions options, TimeProvider time, ILogger<Ec2AccountFetcher> logger, AWSCredentials? baseCredentials = null)
    {
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        _clients = new Ec2ClientFactory(options);
        _roles = new Ec2RoleCredentialCache(options, _clients, baseCredentials, time);
    }

    /// <inheritdoc />
    public async Task<Ec2AccountFetch> FetchAsync(Ec2AccountOptions account, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(account);
        if (account.Regions.Count == 0)
        {
            throw new Ec2FetchException($"account {account} lists no regions; add some to its Regions");
        }
        var started = _time.GetTimestamp();
        AWSCredentials credentials;
        try
        {
            credentials = await _roles.GetAsync(account, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw Ec2ErrorTranslator.Translate(ex, account, Ec2ErrorTranslator.AssumeRole, account.Regions[0], _clients.DescribeStsEndpoint(account.Regions[0]));
        }

        // Regions are independent; listing them side by side keeps one account's refresh as short as its slowest region.
        var perRegion = await Task.WhenAll(account.Regions.Select(region => FetchRegionAsync(account, region, credentials, cancellationToken))).ConfigureAwait(false);
        var all = perRegion.SelectMany(r => r.Instances).ToList();
        var failed = perRegion.Where(r => r.GroupsError is not null).ToList();
        if (_logger.IsEnabled(LogLevel.Debug))
        {
            _logger.LogDebug("EC2 account {Account}: {Count} instances in {Regions} regions in {Elapsed} ms",
                account.ToString(), all.Count, account.Regions.Count, (long)_time.GetElapsedTime(started).TotalMilliseconds);
        }
        return new Ec2AccountFetch(all)
        {
            SecurityGroups = perRegion.SelectMany(r => r.Groups).ToList(),
            SecurityGroupRegionsFailed = failed.Select(r => r.Region).ToList(),
            SecurityGroupsError = failed.Count == 0 ? null : SecurityGroupsError(failed),
        };
    }

    /// <summary>
    /// One region: instances and security groups read side by side with one client. Failing to list instances fails
    /// the region (and the account's refresh); failing to read groups only leaves them out, with the reason.
    /// </summary>
    private async Task<RegionFetch> FetchRegionAsync(Ec2AccountOptions account, string region, AWSCredentials credentials, CancellationToken cancellationToken)
    {
        using var ec2 = _clients.CreateEc2(region, credentials);
        var groups = Ec2SecurityGroupReader.ReadAsync(ec2, account, region, _options.PageSize, _clients.DescribeEc2Endpoint(region), cancellationToken);
        try
        {
            var instances = await ListInstancesAsync(ec2, account, region, cancellationToken).ConfigureAwait(false);
            var read = await groups.ConfigureAwait(false);
            return new RegionFetch(region, instances, Ec2SecurityGroupReader.InUseBy(read.Groups, instances).ToList(), read.Error?.Message);
        }
        finally
        {
            // The client is disposed on the way out, so the group call must be over even when listing instances failed.
            await ((Task)groups).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private async Task<List<Ec2Instance>> ListInstancesAsync(AmazonEC2Client ec2, Ec2AccountOptions account, string region, CancellationToken cancellationToken)
    {
        var endpoint = _clients.DescribeEc2Endpoint(region);
        try
        {
            var instances = new List<Ec2Instance>();
            var strings = new Ec2StringPool();
            await Ec2Pages.ReadAllAsync(Ec2ErrorTranslator.DescribeInstances, account, region, endpoint, async token =>
            {
                var response = await ec2.DescribeInstancesAsync(new DescribeInstancesRequest
                {
                    MaxResults = _options.PageSize,
                    NextToken = token,
                }, cancellationToken).ConfigureAwait(false);
                foreach (var reservation in response.Reservations ?? [])
                {
                    foreach (var instance in reservation.Instances ?? [])
                    {
                        if (Ec2InstanceMapper.Map(instance, account, region, strings) is { } mapped)
                        {
                            instances.Add(mapped);
                        }
                    }
                }
                return response.NextToken;
            }).ConfigureAwait(false);
            return instances;
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            var translated = Ec2ErrorTranslator.Translate(ex, account, Ec2ErrorTranslator.DescribeInstances, region, endpoint);
            if (!Ec2ErrorTranslator.KeepsCredentials(translated))
            {
                _roles.Forget(account);
            }
            throw translated;
        }
    }

    /// <summary>The first region's failure (they are usually all the same missing permission), and which others failed.</summary>
    private static string SecurityGroupsError(IReadOnlyList<RegionFetch> failed)
    {
        var first = failed[0].GroupsError!;
        var others = failed.Count > 1 ? $" (also in {string.Join(", ", failed.Skip(1).Select(r => r.Region))})" : "";
        return $"security groups not read, so instances are not checked for SSH open to the internet: {first}{others}";
    }

    public void Dispose() => _roles.Dispose();

    private sealed record RegionFetch(string Region, List<Ec2Instance> Instances, List<Ec2SecurityGroup> Groups, string? GroupsError);
}
