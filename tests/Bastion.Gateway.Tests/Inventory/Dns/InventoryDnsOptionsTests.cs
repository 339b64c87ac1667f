using Bastion.Core.Inventory;
using Bastion.Gateway.Inventory.Dns;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bastion.Gateway.Tests.Inventory.Dns;

public sealed class InventoryDnsOptionsTests
{
    [Fact]
    public void Defaults_are_valid_and_off()
    {
        var options = new InventoryDnsOptions();
        Assert.Empty(options.Validate());
        Assert.False(options.Enabled);
        Assert.Equal("127.0.0.1", options.ListenAddress);
        Assert.Equal(5353, options.Port);
        Assert.Equal("dev.example", options.Zone);
        Assert.Equal(30, options.TtlSeconds);
        Assert.Equal((100, 200, 10_000), (options.ResponsesPerSecond, options.ResponseBurst, options.RateLimitSources));
    }

    [Fact]
    public void Bad_rate_limit_settings_name_their_keys()
    {
        var errors = new InventoryDnsOptions { ResponsesPerSecond = -1, ResponseBurst = 0, RateLimitSources = 15 }.Validate();

        Assert.Equal(3, errors.Count);
        Assert.Contains(errors, e => e.StartsWith("Bastion:Inventory:Dns:ResponsesPerSecond -1 is outside 0..1000000", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Bastion:Inventory:Dns:ResponseBurst 0 is outside 1..1000000", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Bastion:Inventory:Dns:RateLimitSources 15 is outside 16..1000000", StringComparison.Ordinal));
        Assert.Empty(new InventoryDnsOptions { ResponsesPerSecond = 0 }.Validate()); // 0: no limit
    }

    [Fact]
    public void Each_bad_setting_names_its_key()
    {
        var errors = new InventoryDnsOptions { ListenAddress = "localhost", Port = 70000, Zone = "", TtlSeconds = -1 }.Validate();

        Assert.Equal(4, errors.Count);
        Assert.Contains(errors, e => e.StartsWith("Bastion:Inventory:Dns:ListenAddress \"localhost\"", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Bastion:Inventory:Dns:Port 70000", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Bastion:Inventory:Dns:Zone \"\" is empty", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Bastion:Inventory:Dns:TtlSeconds -1", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("dev example")]
    [InlineData("-dev.example")]
    [InlineData("dev..example")]
    [InlineData("10.in-addr.arpa")]
    [InlineData("ip6.arpa")]
    public void Unusable_zone_is_an_error(string zone)
    {
        var error = Assert.Single(new InventoryDnsOptions { Zone = zone }.Validate());
        Assert.StartsWith("Bastion:Inventory:Dns:Zone", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("dev.example.")]
    [InlineData("Corp-Dev")]
    public void Usable_zone_is_accepted(string zone) => Assert.Empty(new InventoryDnsOptions { Zone = zone }.Validate());

    [Fact]
    public void Server_refuses_invalid_settings_at_construction()
    {
        var error = Assert.Throws<ArgumentException>(() => new InventoryDnsServer(
            new InventoryDnsOptions { Port = 0 }, () => InstanceIndex.Empty, NullLogger<InventoryDnsServer>.Instance));
        Assert.Contains("Bastion:Inventory:Dns:Port 0", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Disabled_server_does_not_listen()
    {
        await using var server = new InventoryDnsServer(new InventoryDnsOptions(), () => InstanceIndex.Empty, NullLogger<InventoryDnsServer>.Instance);
        await server.StartAsync(CancellationToken.None);
        Assert.Null(server.LocalEndPoint);
    }

    [Fact]
    public async Task Port_in_use_fails_with_the_keys_to_change()
    {
        await using var first = await RunningDnsServer.StartAsync(InstanceIndex.Empty);
        await using var second = new InventoryDnsServer(
            new InventoryDnsOptions { Enabled = true, Port = first.Port }, () => InstanceIndex.Empty, NullLogger<InventoryDnsServer>.Instance);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => second.StartAsync(CancellationToken.None));
        Assert.Contains("Bastion:Inventory:Dns:Port", error.Message, StringComparison.Ordinal);
        Assert.Null(second.LocalEndPoint);
    }

    [Fact]
    public async Task Stopping_right_after_starting_releases_the_port()
    {
        var first = await RunningDnsServer.StartAsync(InstanceIndex.Empty);
        var port = first.Port;
        await first.DisposeAsync();

        await using var again = new InventoryDnsServer(
            new InventoryDnsOptions { Enabled = true, Port = port }, () => InstanceIndex.Empty, NullLogger<InventoryDnsServer>.Instance);
        await again.StartAsync(CancellationToken.None);
        Assert.Equal(port, again.LocalEndPoint?.Port);
    }
}
