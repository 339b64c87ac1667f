using System.Diagnostics;
using Amazon.EC2.Model;
using Amazon.Runtime;
using Microsoft.Extensions.Logging;

namespace Bastion.Gateway.Inventory.Ec2;

/// <summary>
/// Lists one account's instances the AWS way: assume the account's role with the gateway's own credentials,
/// then page through DescribeInstances in each region with the role's temporary credentials.
/// </summary>
public sealed class Ec2AccountFetcher : IEc2AccountFetcher, IDisposable
{
    /// <summary>A guard against an endpoint that never stops paging; 100 pages of 1000 is far beyond any account.</summary>
    private const int MaxPagesPerRegion = 10_000;

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
    public async Task<IReadOnlyList<Ec2Instance>> FetchAsync(Ec2AccountOptions account, CancellationToken cancellationToken)
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
        var all = perRegion.SelectMany(list => list).ToList();
        if (_logger.IsEnabled(LogLevel.Debug))
        {
            _logger.LogDebug("EC2 account {Account}: {Count} instances in {Regions} regions in {Elapsed} ms",
                account.ToString(), all.Count, account.Regions.Count, (long)_time.GetElapsedTime(started).TotalMilliseconds);
        }
        return all;
    }

    private async Task<List<Ec2Instance>> FetchRegionAsync(Ec2AccountOptions account, string region, AWSCredentials credentials, CancellationToken cancellationToken)
    {
        try
        {
            using var ec2 = _clients.CreateEc2(region, credentials);
            var instances = new List<Ec2Instance>();
            var seenTokens = new HashSet<string>(StringComparer.Ordinal);
            var strings = new Ec2StringPool();
            string? nextToken = null;
            for (var page = 0; ; page++)
            {
                if (page >= MaxPagesPerRegion)
                {
                    throw new Ec2FetchException($"DescribeInstances for account {account} in {region} returned more than {MaxPagesPerRegion} pages; the endpoint {_clients.DescribeEc2Endpoint(region)} keeps paging")
                    {
                        Operation = Ec2ErrorTranslator.DescribeInstances, Region = region,
                    };
                }
                var response = await ec2.DescribeInstancesAsync(new DescribeInstancesRequest
                {
                    MaxResults = _options.PageSize,
                    NextToken = nextToken,
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
                nextToken = response.NextToken;
                if (string.IsNullOrEmpty(nextToken))
                {
                    return instances;
                }
                if (!seenTokens.Add(nextToken))
                {
                    throw new Ec2FetchException($"DescribeInstances for account {account} in {region} returned the same NextToken twice; the endpoint {_clients.DescribeEc2Endpoint(region)} is paging in a loop")
                    {
                        Operation = Ec2ErrorTranslator.DescribeInstances, Region = region,
                    };
                }
            }
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            var translated = Ec2ErrorTranslator.Translate(ex, account, Ec2ErrorTranslator.DescribeInstances, region, _clients.DescribeEc2Endpoint(region));
            if (!Ec2ErrorTranslator.KeepsCredentials(translated))
            {
                _roles.Forget(account);
            }
            throw translated;
        }
    }

    public void Dispose() => _roles.Dispose();
}
