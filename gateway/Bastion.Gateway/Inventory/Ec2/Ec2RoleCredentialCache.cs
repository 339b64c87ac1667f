using System.Collections.Concurrent;
using Amazon.Runtime;
using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;

namespace Bastion.Gateway.Inventory.Ec2;

/// <summary>
/// Assumes each account's role and keeps the temporary credentials until shortly before they expire, so a
/// refresh every minute costs one AssumeRole per account every ~10 minutes rather than one per refresh.
/// </summary>
internal sealed class Ec2RoleCredentialCache : IDisposable
{
    private readonly Ec2InventoryOptions _options;
    private readonly Ec2ClientFactory _clients;
    private readonly AWSCredentials? _baseCredentials;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, CachedRole> _roles = new();
    private readonly ConcurrentDictionary<string, Lazy<AmazonSecurityTokenServiceClient>> _stsByRegion = new();

    public Ec2RoleCredentialCache(Ec2InventoryOptions options, Ec2ClientFactory clients, AWSCredentials? baseCredentials, TimeProvider time)
    {
        _options = options;
        _clients = clients;
        _baseCredentials = baseCredentials;
        _time = time;
    }

    /// <summary>Credentials of the account's role: cached ones while they last, else from a new AssumeRole.</summary>
    public async Task<AWSCredentials> GetAsync(Ec2AccountOptions account, CancellationToken cancellationToken)
    {
        var renewBefore = TimeSpan.FromSeconds(_options.RoleRenewBeforeExpirySeconds);
        if (_roles.TryGetValue(CacheKey(account), out var cached) && _time.GetUtcNow() < cached.Expiration - renewBefore)
        {
            return cached.Credentials;
        }
        var region = account.Regions[0];
        var sts = _stsByRegion.GetOrAdd(region, r => new Lazy<AmazonSecurityTokenServiceClient>(() => _clients.CreateSts(r, _baseCredentials))).Value;
        var request = new AssumeRoleRequest
        {
            RoleArn = account.RoleArn,
            RoleSessionName = _options.SessionName,
            DurationSeconds = _options.RoleDurationSeconds,
        };
        if (!string.IsNullOrEmpty(account.ExternalId))
        {
            request.ExternalId = account.ExternalId;
        }
        var response = await sts.AssumeRoleAsync(request, cancellationToken).ConfigureAwait(false);
        var issued = response.Credentials
            ?? throw new Ec2FetchException($"AssumeRole of {account.RoleArn} for account {account} returned no credentials; check the STS endpoint {_clients.DescribeStsEndpoint(region)}")
            {
                Operation = "sts:AssumeRole",
                Region = region,
            };
        var expiration = issued.Expiration is { } e
            ? new DateTimeOffset(DateTime.SpecifyKind(e.ToUniversalTime(), DateTimeKind.Utc))
            : _time.GetUtcNow().AddSeconds(_options.RoleDurationSeconds);
        var credentials = new SessionAWSCredentials(issued.AccessKeyId, issued.SecretAccessKey, issued.SessionToken);
        _roles[CacheKey(account)] = new CachedRole(credentials, expiration);
        return credentials;
    }

    /// <summary>Drops the account's credentials, e.g. after AWS rejected them, so the next refresh assumes the role again.</summary>
    public void Forget(Ec2AccountOptions account) => _roles.TryRemove(CacheKey(account), out _);

    public void Dispose()
    {
        foreach (var sts in _stsByRegion.Values.Where(l => l.IsValueCreated))
        {
            sts.Value.Dispose();
        }
    }

    private static string CacheKey(Ec2AccountOptions account) => account.Id + "|" + account.RoleArn + "|" + account.ExternalId;

    private sealed record CachedRole(AWSCredentials Credentials, DateTimeOffset Expiration);
}
