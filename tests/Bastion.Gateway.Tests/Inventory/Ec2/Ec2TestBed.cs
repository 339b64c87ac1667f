using Amazon.Runtime;
using Bastion.FakeAws;
using Bastion.Gateway.Inventory.Ec2;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Bastion.Gateway.Tests.Inventory.Ec2;

/// <summary>
/// The fake STS + EC2 on 127.0.0.1 and the settings that point the real AWS SDK at it: short timeouts and no
/// SDK retries, so a test that talks to anything else fails fast instead of hanging.
/// </summary>
internal sealed class Ec2TestBed : IAsyncDisposable
{
    /// <summary>Longest a test waits for something to happen in real time.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private readonly List<IDisposable> _disposables = [];

    private Ec2TestBed(FakeAwsServer server)
    {
        Server = server;
    }

    public FakeAwsServer Server { get; }

    public FakeAwsModel Model => Server.Model;

    /// <summary>The gateway's clock (the fake signs-checks with the real one; the SDK signs with the real one).</summary>
    public FakeTimeProvider Time { get; } = new(DateTimeOffset.UtcNow);

    public static readonly BasicAWSCredentials BaseCredentials = new(FakeAwsModel.DefaultBaseAccessKeyId, FakeAwsModel.DefaultBaseSecretAccessKey);

    public static async Task<Ec2TestBed> StartAsync() => new(await FakeAwsServer.StartAsync());

    public Ec2InventoryOptions Options(params Ec2AccountOptions[] accounts) => new()
    {
        Enabled = true,
        Accounts = accounts.ToList(),
        Ec2ServiceUrl = Server.ServiceUrl,
        StsServiceUrl = Server.ServiceUrl,
        RequestTimeoutSeconds = 5,
        SdkMaxErrorRetries = 0,
        JitterFraction = 0,
        SessionName = "bastion-tests",
    };

    /// <summary>Adds an account to the fake and returns the matching gateway settings.</summary>
    public Ec2AccountOptions Account(string id, string alias, params string[] regions)
    {
        var fake = Model.AddAccount(id);
        return new Ec2AccountOptions
        {
            Id = id,
            Alias = alias,
            RoleArn = fake.RoleArn,
            Regions = regions.Length > 0 ? regions.ToList() : ["eu-west-1"],
        };
    }

    public Ec2AccountFetcher Fetcher(Ec2InventoryOptions options, AWSCredentials? credentials = null)
    {
        var fetcher = new Ec2AccountFetcher(options, Time, NullLogger<Ec2AccountFetcher>.Instance, credentials ?? BaseCredentials);
        _disposables.Add(fetcher);
        return fetcher;
    }

    public Ec2Inventory Inventory(Ec2InventoryOptions options, IEc2AccountFetcher? fetcher = null) =>
        new(options, fetcher ?? Fetcher(options), Time, NullLogger<Ec2Inventory>.Instance);

    public async ValueTask DisposeAsync()
    {
        foreach (var disposable in _disposables)
        {
            disposable.Dispose();
        }
        await Server.DisposeAsync();
    }
}
