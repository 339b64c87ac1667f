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
}
