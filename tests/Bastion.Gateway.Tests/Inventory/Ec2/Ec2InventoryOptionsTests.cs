using Bastion.Gateway.Inventory.Ec2;
using Microsoft.Extensions.Configuration;

namespace Bastion.Gateway.Tests.Inventory.Ec2;

public sealed class Ec2InventoryOptionsTests
{
    [Fact]
    public void Settings_bind_from_the_Bastion_Inventory_Ec2_section()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Bastion:Inventory:Ec2:Enabled"] = "true",
            ["Bastion:Inventory:Ec2:RefreshSeconds"] = "30",
            ["Bastion:Inventory:Ec2:Accounts:0:Id"] = "111111111111",
            ["Bastion:Inventory:Ec2:Accounts:0:Alias"] = "dev-a",
            ["Bastion:Inventory:Ec2:Accounts:0:RoleArn"] = "arn:aws:iam::111111111111:role/bastion-inventory",
            ["Bastion:Inventory:Ec2:Accounts:0:ExternalId"] = "ext-1",
            ["Bastion:Inventory:Ec2:Accounts:0:Regions:0"] = "eu-west-1",
            ["Bastion:Inventory:Ec2:Accounts:0:Cidrs:0"] = "10.20.0.0/16",
            ["Bastion:Inventory:Ec2:Accounts:0:Regions:1"] = "us-east-1",
        }).Build();

        var options = configuration.GetSection(Ec2InventoryOptions.Section).Get<Ec2InventoryOptions>()!;

        Assert.True(options.Enabled);
        Assert.Equal(30, options.RefreshSeconds);
        var account = Assert.Single(options.Accounts);
        Assert.Equal(("111111111111", "dev-a", "ext-1"), (account.Id, account.Alias, account.ExternalId));
        Assert.Equal(["eu-west-1", "us-east-1"], account.Regions);
        Assert.StartsWith("bastion-", options.SessionName, StringComparison.Ordinal);
        Assert.Empty(options.Validate());
    }

    [Fact]
    public void Each_error_names_the_key_to_fix()
    {
        var options = new Ec2InventoryOptions
        {
            Enabled = true,
            RefreshSeconds = 0,
            Ec2ServiceUrl = "not a url",
            Accounts =
            [
                new() { Id = "111111111111", Alias = "dev-a", RoleArn = "", Regions = ["eu-west-1"] },
                new() { Id = "12345", Alias = "dev-a", RoleArn = "arn:aws:iam::222222222222:role/x", Regions = [] },
                new() { Id = "333333333333", Alias = "dev-c", RoleArn = "arn:aws:iam::999999999999:role/x", Regions = ["Europe"] },
            ],
        };

        var errors = options.Validate();

        Assert.Contains("Bastion:Inventory:Ec2:Accounts:0:RoleArn is empty; set the role to assume, e.g. arn:aws:iam::111111111111:role/bastion-inventory", errors);
        Assert.Contains(errors, e => e.StartsWith("Bastion:Inventory:Ec2:Accounts:1:Id \"12345\" is not a 12-digit", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Bastion:Inventory:Ec2:Accounts:1:Regions is empty", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Bastion:Inventory:Ec2:Accounts:2:RoleArn names account 999999999999 but", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Bastion:Inventory:Ec2:Accounts:2:Regions:0 \"Europe\"", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("alias \"dev-a\" is used by 2 accounts", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Bastion:Inventory:Ec2:RefreshSeconds is 0", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Bastion:Inventory:Ec2:Ec2ServiceUrl \"not a url\"", StringComparison.Ordinal));
    }

    [Fact]
    public void Every_account_needs_its_own_address_ranges()
    {
        var options = new Ec2InventoryOptions
        {
            Enabled = true,
            Accounts =
            [
                Account("111111111111", "dev-a", []),
                Account("222222222222", "dev-b", ["10.20.0.0/16", "10.20.1.1/24"]),
                Account("333333333333", "dev-c", ["10.20.128.0/17"]),
                Account("444444444444", "4dev", ["10.40.0.0/16"]),
            ],
        };

        var errors = options.Validate();

        Assert.Contains(errors, e => e.StartsWith("Bastion:Inventory:Ec2:Accounts:0:Cidrs is empty; list the address ranges", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Bastion:Inventory:Ec2:Accounts:1:Cidrs:1 \"10.20.1.1/24\" is not an address range", StringComparison.Ordinal));
        Assert.Contains("Bastion:Inventory:Ec2:Accounts: the ranges of dev-b (10.20.0.0/16) and dev-c (10.20.128.0/17) overlap; " +
            "an address in both would have two owners. Give each account only its own peered VPCs' ranges", errors);
        Assert.Contains(errors, e => e.StartsWith("Bastion:Inventory:Ec2:Accounts:3:Alias \"4dev\" must be a DNS label that starts with a letter", StringComparison.Ordinal));
    }

    [Fact]
    public void An_account_range_over_a_protected_range_is_refused_at_start_naming_both()
    {
        var options = new Bastion.Hosting.Configuration.BastionOptions();
        options.Inventory.ProtectedCidrs = ["10.0.0.0/16"];
        options.Inventory.Ec2 = new Ec2InventoryOptions
        {
            Enabled = true,
            Accounts = [Account("111111111111", "dev-a", ["10.0.128.0/24"]), Account("222222222222", "dev-b", ["169.254.0.0/24"]), Account("333333333333", "dev-c", ["127.0.0.0/8"])],
        };

        var errors = Bastion.Hosting.Configuration.BastionOptionsValidator.Validate(options);

        Assert.Contains(errors, e => e.Contains("the range 10.0.128.0/24 of dev-a overlaps the protected range 10.0.0.0/16 (Bastion:Inventory:ProtectedCidrs)", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("the range 169.254.0.0/24 of dev-b overlaps the protected range 169.254.0.0/16 (link-local", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("the range 127.0.0.0/8 of dev-c overlaps the protected range 127.0.0.0/8 (loopback: this host)", StringComparison.Ordinal));

        // Loopback targets (tests, labs) still keep this host's own 127.0.0.1 protected.
        options.Inventory.AllowLoopbackTargets = true;
        errors = Bastion.Hosting.Configuration.BastionOptionsValidator.Validate(options);
        Assert.Contains(errors, e => e.Contains("the range 127.0.0.0/8 of dev-c overlaps the protected range 127.0.0.1/32 (an address of this host)", StringComparison.Ordinal));
    }

    [Fact]
    public void Enabled_without_accounts_says_to_add_one_or_disable()
    {
        var error = Assert.Single(new Ec2InventoryOptions { Enabled = true }.Validate());

        Assert.Contains("Bastion:Inventory:Ec2:Enabled=false", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Disabled_settings_are_not_checked() =>
        Assert.Empty(new Ec2InventoryOptions { Enabled = false, RefreshSeconds = -1 }.Validate());

    [Theory]
    [InlineData("gw-01", "bastion-gw-01")]
    [InlineData("host with spaces", "bastion-host-with-spaces")]
    public void The_default_session_name_is_a_valid_role_session_name(string machine, string expected) =>
        Assert.Equal(expected, Ec2InventoryOptions.DefaultSessionName(machine));

    private static Ec2AccountOptions Account(string id, string alias, List<string> cidrs) => new()
    {
        Id = id,
        Alias = alias,
        RoleArn = $"arn:aws:iam::{id}:role/bastion-inventory",
        Regions = ["eu-west-1"],
        Cidrs = cidrs,
    };
}
