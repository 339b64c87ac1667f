using Amazon;
using Amazon.EC2;
using Amazon.Runtime;
using Amazon.SecurityToken;

namespace Bastion.Gateway.Inventory.Ec2;

/// <summary>
/// Builds SDK client configurations from <see cref="Ec2InventoryOptions"/>: the endpoint override (the fake in
/// tests, a VPC endpoint in production) or the regional AWS endpoint, the timeout and the small retry budget.
/// </summary>
internal sealed class Ec2ClientFactory
{
    private readonly Ec2InventoryOptions _options;

    public Ec2ClientFactory(Ec2InventoryOptions options)
    {
        _options = options;
    }

    public AmazonSecurityTokenServiceClient CreateSts(string region, AWSCredentials? baseCredentials)
    {
        var config = Configure(new AmazonSecurityTokenServiceConfig(), _options.StsServiceUrl, region);
        // No explicit credentials: the SDK's default chain (environment, profile, instance profile, …).
        return baseCredentials is null
            ? new AmazonSecurityTokenServiceClient(config)
            : new AmazonSecurityTokenServiceClient(baseCredentials, config);
    }

    public AmazonEC2Client CreateEc2(string region, AWSCredentials credentials) =>
        new(credentials, Configure(new AmazonEC2Config(), _options.Ec2ServiceUrl, region));

    /// <summary>Where calls for this region go, for error messages.</summary>
    public string DescribeEc2Endpoint(string region) =>
        string.IsNullOrEmpty(_options.Ec2ServiceUrl) ? $"ec2.{region}.amazonaws.com" : _options.Ec2ServiceUrl;

    public string DescribeStsEndpoint(string region) =>
        string.IsNullOrEmpty(_options.StsServiceUrl) ? $"sts.{region}.amazonaws.com" : _options.StsServiceUrl;

    private T Configure<T>(T config, string? serviceUrl, string region)
        where T : ClientConfig
    {
        if (string.IsNullOrEmpty(serviceUrl))
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(region);
        }
        else
        {
            // The signature's credential scope cannot be derived from a custom URL, so name the region.
            config.ServiceURL = serviceUrl;
            config.AuthenticationRegion = region;
        }
        config.RetryMode = RequestRetryMode.Standard;
        config.MaxErrorRetry = _options.SdkMaxErrorRetries;
        config.Timeout = TimeSpan.FromSeconds(_options.RequestTimeoutSeconds);
        return config;
    }
}
