using Amazon.EC2;
using Amazon.EC2.Model;
using Amazon.Runtime;
using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;
using Bastion.FakeAws;
using Bastion.Gateway.Inventory.Ec2;

namespace Bastion.Gateway.Tests.Inventory.Ec2;

/// <summary>The real AWS SDK, driven by <see cref="Ec2AccountFetcher"/>, against the fake STS + EC2.</summary>
public sealed class Ec2AccountFetcherTests : IAsyncLifetime
{
    private Ec2TestBed _bed = null!;

    public async Task InitializeAsync() => _bed = await Ec2TestBed.StartAsync();

    public async Task DisposeAsync() => await _bed.DisposeAsync();

    [Fact]
    public async Task Each_account_is_listed_with_the_temporary_credentials_its_own_AssumeRole_returned()
    {
        var a = _bed.Account("111111111111", "dev-a");
        var b = _bed.Account("222222222222", "dev-b");
        b.ExternalId = "bastion-ext-b";
        _bed.Model.Account(b.Id).RequiredExternalId = "bastion-ext-b";
        _bed.Model.Account(a.Id).AddInstance("eu-west-1", FakeInstance.Create("i-0aaa", "web-1", "10.1.0.5"));
        _bed.Model.Account(b.Id).AddInstance("eu-west-1", FakeInstance.Create("i-0bbb", "db-1", "10.2.0.5"));
        var fetcher = _bed.Fetcher(_bed.Options(a, b));

        var fromA = (await fetcher.FetchAsync(a, CancellationToken.None)).Instances;
        var fromB = (await fetcher.FetchAsync(b, CancellationToken.None)).Instances;

        // The fake picks the account from the access key that signed DescribeInstances, so each account seeing
        // only its own instances shows the requests were signed with that account's role credentials.
        Assert.Equal(["i-0aaa"], fromA.Select(i => i.InstanceId));
        Assert.Equal(["i-0bbb"], fromB.Select(i => i.InstanceId));
        Assert.Equal(("111111111111", "dev-a"), (fromA[0].AccountId, fromA[0].AccountAlias));
        Assert.Equal(("222222222222", "dev-b"), (fromB[0].AccountId, fromB[0].AccountAlias));
        Assert.Empty(_bed.Model.Rejections);

        var calls = _bed.Model.AssumeRoleCalls;
        Assert.Equal([a.RoleArn, b.RoleArn], calls.Select(c => c.RoleArn));
        Assert.All(calls, c => Assert.Equal("bastion-tests", c.RoleSessionName));
        Assert.All(calls, c => Assert.Equal(900, c.DurationSeconds));
        Assert.Equal([null, "bastion-ext-b"], calls.Select(c => c.ExternalId));
        Assert.Equal(1, _bed.Model.CallCount("DescribeInstances", a.Id));
        Assert.Equal(1, _bed.Model.CallCount("DescribeInstances", b.Id));
    }

    [Fact]
    public async Task Pages_are_followed_with_NextToken_until_the_last()
    {
        var account = _bed.Account("111111111111", "dev-a");
        for (var i = 0; i < 23; i++)
        {
            _bed.Model.Account(account.Id).AddInstance("eu-west-1", FakeInstance.Create($"i-{i:x4}", $"web-{i}", $"10.0.0.{i + 10}"));
        }
        _bed.Model.PageSize = 5;

        var instances = (await _bed.Fetcher(_bed.Options(account)).FetchAsync(account, CancellationToken.None)).Instances;

        Assert.Equal(Enumerable.Range(0, 23).Select(i => $"i-{i:x4}"), instances.Select(i => i.InstanceId));
        Assert.Equal(5, _bed.Model.CallCount("DescribeInstances", account.Id));
    }

    [Fact]
    public async Task Every_configured_region_is_listed_and_each_instance_names_its_region()
    {
        var account = _bed.Account("111111111111", "dev-a", "eu-west-1", "us-east-1", "ap-southeast-2");
        var fake = _bed.Model.Account(account.Id);
        fake.AddInstance("eu-west-1", FakeInstance.Create("i-0e1", "web-eu", "10.0.0.1"));
        fake.AddInstance("us-east-1", FakeInstance.Create("i-0u1", "web-us", "10.0.1.1"));
        fake.AddInstance("us-east-1", FakeInstance.Create("i-0u2", "api-us", "10.0.1.2"));
        fake.AddInstance("eu-central-1", FakeInstance.Create("i-0c1", "not-configured", "10.0.2.1"));

        var instances = (await _bed.Fetcher(_bed.Options(account)).FetchAsync(account, CancellationToken.None)).Instances;

        Assert.Equal(
            [("i-0e1", "eu-west-1"), ("i-0u1", "us-east-1"), ("i-0u2", "us-east-1")],
            instances.Select(i => (i.InstanceId, i.Region)));
        Assert.Equal(3, _bed.Model.CallCount("DescribeInstances", account.Id));
        Assert.Equal(1, _bed.Model.CallCount("AssumeRole", account.Id));
    }

    [Fact]
    public async Task An_instance_keeps_all_its_private_addresses_primary_first_and_its_details()
    {
        var account = _bed.Account("111111111111", "dev-a");
        var instance = FakeInstance.Create("i-0multi", "web-1", "10.0.0.5", "10.0.0.6");
        instance.Interfaces.Add(["10.0.1.7", "10.0.1.8"]);
        instance.Tags.Add(new("team", "payments"));
        instance.VpcId = "vpc-0123";
        instance.LaunchTime = new DateTimeOffset(2025, 6, 7, 8, 9, 10, TimeSpan.Zero);
        _bed.Model.Account(account.Id).AddInstance("eu-west-1", instance);
        _bed.Model.Account(account.Id).AddInstance("eu-west-1", new FakeInstance("i-0noname") { Interfaces = [["10.0.0.9"]], ReservationId = "r-2" });

        var instances = (await _bed.Fetcher(_bed.Options(account)).FetchAsync(account, CancellationToken.None)).Instances;

        var multi = instances.Single(i => i.InstanceId == "i-0multi");
        Assert.Equal(["10.0.0.5", "10.0.0.6", "10.0.1.7", "10.0.1.8"], multi.PrivateIps);
        Assert.Equal("10.0.0.5", multi.PrimaryPrivateIp);
        Assert.Equal("web-1", multi.Name);
        Assert.Equal("ip-10-0-0-5.eu-west-1.compute.internal", multi.PrivateDnsName);
        Assert.Equal("vpc-0123", multi.VpcId);
        Assert.Equal(new DateTimeOffset(2025, 6, 7, 8, 9, 10, TimeSpan.Zero), multi.LaunchTime);
        Assert.Equal("payments", multi.Tags["team"]);
        Assert.Equal("web-1", multi.Tags["Name"]);
        Assert.Null(instances.Single(i => i.InstanceId == "i-0noname").Name);
    }

    [Fact]
    public async Task Stopped_instances_are_kept_with_their_state_and_terminated_ones_are_left_out()
    {
        var account = _bed.Account("111111111111", "dev-a");
        var fake = _bed.Model.Account(account.Id);
        fake.AddInstance("eu-west-1", FakeInstance.Create("i-0run", "web-1", "10.0.0.1"));
        fake.AddInstance("eu-west-1", FakeInstance.Create("i-0stop", "web-2", "10.0.0.2")).State = "stopped";
        fake.AddInstance("eu-west-1", FakeInstance.Create("i-0gone", "web-3")).State = "terminated";

        var instances = (await _bed.Fetcher(_bed.Options(account)).FetchAsync(account, CancellationToken.None)).Instances;

        Assert.Equal([("i-0run", "running"), ("i-0stop", "stopped")], instances.Select(i => (i.InstanceId, i.State)));
        Assert.False(instances[1].IsRunning);
    }

    [Fact]
    public async Task Role_credentials_are_reused_until_five_minutes_before_they_expire()
    {
        var account = _bed.Account("111111111111", "dev-a");
        var fetcher = _bed.Fetcher(_bed.Options(account));

        await fetcher.FetchAsync(account, CancellationToken.None);
        _bed.Time.Advance(TimeSpan.FromMinutes(9));
        await fetcher.FetchAsync(account, CancellationToken.None);
        Assert.Equal(1, _bed.Model.CallCount("AssumeRole", account.Id));

        _bed.Time.Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(1)); // 15 min credentials, renewed 5 min early
        await fetcher.FetchAsync(account, CancellationToken.None);
        Assert.Equal(2, _bed.Model.CallCount("AssumeRole", account.Id));
        Assert.Equal(3, _bed.Model.CallCount("DescribeInstances", account.Id));
    }

    [Fact]
    public async Task RequestLimitExceeded_surfaces_as_throttling()
    {
        var account = _bed.Account("111111111111", "dev-a");
        _bed.Model.Account(account.Id).ThrottleNextDescribeCalls(1);

        var ex = await Assert.ThrowsAsync<Ec2ThrottledException>(() => _bed.Fetcher(_bed.Options(account)).FetchAsync(account, CancellationToken.None));

        Assert.Equal("RequestLimitExceeded", ex.ErrorCode);
        Assert.Equal("ec2:DescribeInstances", ex.Operation);
        Assert.Contains("dev-a", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sdk_retries_stay_within_the_configured_budget()
    {
        var account = _bed.Account("111111111111", "dev-a");
        _bed.Model.Account(account.Id).ThrottleNextDescribeCalls(1);
        var options = _bed.Options(account);
        options.SdkMaxErrorRetries = 1;

        var instances = (await _bed.Fetcher(options).FetchAsync(account, CancellationToken.None)).Instances;

        Assert.Empty(instances);
        Assert.Equal(2, _bed.Model.CallCount("DescribeInstances", account.Id));
    }

    [Fact]
    public async Task Throttled_AssumeRole_surfaces_as_throttling()
    {
        var account = _bed.Account("111111111111", "dev-a");
        _bed.Model.Account(account.Id).ThrottleNextAssumeRoleCalls(1);

        var ex = await Assert.ThrowsAsync<Ec2ThrottledException>(() => _bed.Fetcher(_bed.Options(account)).FetchAsync(account, CancellationToken.None));

        Assert.Equal(("Throttling", "sts:AssumeRole"), (ex.ErrorCode, ex.Operation));
    }

    [Fact]
    public async Task A_role_without_DescribeInstances_fails_with_what_to_grant()
    {
        var account = _bed.Account("111111111111", "dev-a");
        _bed.Model.Account(account.Id).DenyDescribeInstances = true;

        var ex = await Assert.ThrowsAsync<Ec2FetchException>(() => _bed.Fetcher(_bed.Options(account)).FetchAsync(account, CancellationToken.None));

        Assert.IsNotType<Ec2ThrottledException>(ex);
        Assert.Equal("UnauthorizedOperation", ex.ErrorCode);
        Assert.Contains($"grant ec2:DescribeInstances to {account.RoleArn}", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wrong_ExternalId_is_refused_by_AssumeRole_with_what_to_check()
    {
        var account = _bed.Account("111111111111", "dev-a");
        _bed.Model.Account(account.Id).RequiredExternalId = "expected";
        account.ExternalId = "something-else";

        var ex = await Assert.ThrowsAsync<Ec2FetchException>(() => _bed.Fetcher(_bed.Options(account)).FetchAsync(account, CancellationToken.None));

        Assert.Equal(("AccessDenied", "sts:AssumeRole"), (ex.ErrorCode, ex.Operation));
        Assert.Contains("trust policy", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, _bed.Model.CallCount("DescribeInstances", account.Id));
    }

    [Fact]
    public async Task The_fake_rejects_a_request_signed_with_the_wrong_secret()
    {
        var account = _bed.Account("111111111111", "dev-a");
        var wrong = new BasicAWSCredentials(FakeAwsModel.DefaultBaseAccessKeyId, "not-the-secret-the-fake-knows");

        var ex = await Assert.ThrowsAsync<Ec2FetchException>(() => _bed.Fetcher(_bed.Options(account), wrong).FetchAsync(account, CancellationToken.None));

        Assert.Equal("SignatureDoesNotMatch", ex.ErrorCode);
        Assert.Contains(_bed.Model.Rejections, r => r.StartsWith("SignatureDoesNotMatch", StringComparison.Ordinal));
        Assert.Empty(_bed.Model.AssumeRoleCalls);
    }

    [Fact]
    public async Task The_fake_rejects_an_unknown_access_key()
    {
        var account = _bed.Account("111111111111", "dev-a");
        var unknown = new BasicAWSCredentials("AKIAUNKNOWN000000000", FakeAwsModel.DefaultBaseSecretAccessKey);

        var ex = await Assert.ThrowsAsync<Ec2FetchException>(() => _bed.Fetcher(_bed.Options(account), unknown).FetchAsync(account, CancellationToken.None));

        Assert.Equal("InvalidClientTokenId", ex.ErrorCode);
    }

    [Fact]
    public async Task The_fake_refuses_DescribeInstances_signed_with_the_base_credentials()
    {
        using var ec2 = new AmazonEC2Client(Ec2TestBed.BaseCredentials, Ec2Config());

        var ex = await Assert.ThrowsAsync<AmazonEC2Exception>(() => ec2.DescribeInstancesAsync(new DescribeInstancesRequest()));

        Assert.Equal("AuthFailure", ex.ErrorCode);
    }

    [Fact]
    public async Task The_fake_refuses_role_credentials_with_another_session_token()
    {
        var account = _bed.Account("111111111111", "dev-a");
        using var sts = new AmazonSecurityTokenServiceClient(Ec2TestBed.BaseCredentials, new AmazonSecurityTokenServiceConfig
        {
            ServiceURL = _bed.Server.ServiceUrl,
            AuthenticationRegion = "eu-west-1",
            MaxErrorRetry = 0,
            Timeout = TimeSpan.FromSeconds(5),
        });
        var issued = (await sts.AssumeRoleAsync(new AssumeRoleRequest { RoleArn = account.RoleArn, RoleSessionName = "tests", DurationSeconds = 900 })).Credentials;
        using var good = new AmazonEC2Client(new SessionAWSCredentials(issued.AccessKeyId, issued.SecretAccessKey, issued.SessionToken), Ec2Config());
        using var forged = new AmazonEC2Client(new SessionAWSCredentials(issued.AccessKeyId, issued.SecretAccessKey, "FwoGZXIvYXdzEforged"), Ec2Config());

        await good.DescribeInstancesAsync(new DescribeInstancesRequest());
        var ex = await Assert.ThrowsAsync<AmazonEC2Exception>(() => forged.DescribeInstancesAsync(new DescribeInstancesRequest()));

        Assert.Equal("AuthFailure", ex.ErrorCode);
        Assert.Contains(_bed.Model.Rejections, r => r.Contains("X-Amz-Security-Token", StringComparison.Ordinal));
    }

    private AmazonEC2Config Ec2Config() => new()
    {
        ServiceURL = _bed.Server.ServiceUrl,
        AuthenticationRegion = "eu-west-1",
        MaxErrorRetry = 0,
        Timeout = TimeSpan.FromSeconds(5),
    };
}
