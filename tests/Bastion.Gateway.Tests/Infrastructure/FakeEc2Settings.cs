using Bastion.FakeAws;

namespace Bastion.Gateway.Tests.Infrastructure;

/// <summary>
/// Gateway settings and environment for reading instances from the local fake EC2/STS endpoint. Instances in tests
/// live on loopback aliases, so loopback targets are allowed (127.0.0.1, this host, stays protected) and each
/// account gets loopback ranges that do not overlap: <see cref="WideRanges"/> covers every alias the tests hand out
/// (127.0.20.0 and up) and 127.0.99.x for instances nobody dials; other accounts get a /24 below 127.0.16.0.
/// </summary>
public static class FakeEc2Settings
{
    public const string Region = "eu-west-1";

    /// <summary>127.0.16.0 – 127.0.255.255: every alias <see cref="LoopbackAddresses"/> hands out.</summary>
    public static readonly string[] WideRanges = ["127.0.16.0/20", "127.0.32.0/19", "127.0.64.0/18", "127.0.128.0/17"];

    public static IReadOnlyDictionary<string, string?> Environment => new Dictionary<string, string?>
    {
        ["AWS_ACCESS_KEY_ID"] = FakeAwsModel.DefaultBaseAccessKeyId,
        ["AWS_SECRET_ACCESS_KEY"] = FakeAwsModel.DefaultBaseSecretAccessKey,
        ["AWS_SESSION_TOKEN"] = null,
        ["AWS_PROFILE"] = null,
        ["AWS_REGION"] = Region,
        // Never let the SDK look for an instance profile: tests talk to loopback only.
        ["AWS_EC2_METADATA_DISABLED"] = "true",
    };

    /// <summary>
    /// Settings for a gateway reading <paramref name="accounts"/> from the fake at <paramref name="url"/>, as
    /// environment for the data directory (<see cref="BastionTestbed.StartAsync(IReadOnlyDictionary{string, string?}?, IReadOnlyDictionary{string, string}?, string[])"/>):
    /// the CLI must see the same accounts and ranges as the gateway to vet instances the same way.
    /// </summary>
    public static Dictionary<string, string> DataEnvironment(string url, IEnumerable<(string Id, string Alias, string[] Cidrs)> accounts,
        int refreshSeconds = 1, int? maxStaleSeconds = null)
    {
        var env = new Dictionary<string, string>
        {
            ["Bastion__Inventory__Ec2__Enabled"] = "true",
            ["Bastion__Inventory__Ec2__Ec2ServiceUrl"] = url,
            ["Bastion__Inventory__Ec2__StsServiceUrl"] = url,
            ["Bastion__Inventory__Ec2__RefreshSeconds"] = refreshSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Bastion__Inventory__Ec2__JitterFraction"] = "0",
            ["Bastion__Inventory__Ec2__RequestTimeoutSeconds"] = "5",
            ["Bastion__Inventory__AllowLoopbackTargets"] = "true",
        };
        if (maxStaleSeconds is { } stale)
        {
            env["Bastion__Inventory__Ec2__MaxStaleSeconds"] = stale.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        var index = 0;
        foreach (var (id, alias, cidrs) in accounts)
        {
            var key = $"Bastion__Inventory__Ec2__Accounts__{index}__";
            env[key + "Id"] = id;
            env[key + "Alias"] = alias;
            env[key + "RoleArn"] = $"arn:aws:iam::{id}:role/bastion-inventory";
            env[key + "Regions__0"] = Region;
            for (var c = 0; c < cidrs.Length; c++)
            {
                env[key + $"Cidrs__{c}"] = cidrs[c];
            }
            index++;
        }
        return env;
    }
}
