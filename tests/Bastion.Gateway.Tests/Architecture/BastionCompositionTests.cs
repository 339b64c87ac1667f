using Bastion.Core.Audit;
using Bastion.Core.Store;
using Bastion.Gateway.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Bastion.Gateway.Tests.Architecture;

/// <summary>AddBastion: the one composition the gateway, the CLI verbs and the admin app resolve their shared services from.</summary>
public sealed class BastionCompositionTests : IDisposable
{
    private readonly TempDirectory _data = new();

    [Fact]
    public async Task The_context_is_made_of_the_containers_own_services()
    {
        await using var services = new ServiceCollection().AddBastion(new BastionOptions { DataDirectory = _data.Path }).BuildServiceProvider();

        var context = services.GetRequiredService<BastionContext>();

        Assert.Same(services.GetRequiredService<IBastionStore>(), context.Store);
        Assert.Same(services.GetRequiredService<AuditTrail>(), context.Audit);
        Assert.Same(services.GetRequiredService<InventoryState>(), context.InventoryState);
        Assert.Same(context, services.GetRequiredService<BastionContext>());
        Assert.True(File.Exists(Path.Combine(_data.Path, "bastion.db")));
        Assert.True(File.Exists(Path.Combine(_data.Path, "secret.key")));
    }

    [Fact]
    public async Task Disposing_the_container_drains_the_audit_trail_before_the_store_closes()
    {
        var options = new BastionOptions { DataDirectory = _data.Path };
        await using (var services = new ServiceCollection().AddBastion(options).BuildServiceProvider())
        {
            var audit = services.GetRequiredService<BastionContext>().Audit;
            for (var i = 0; i < 50; i++)
            {
                await audit.AppendAsync(new AuditEvent(AuditEventTypes.AuditVerified));
            }
        }

        await using var again = new ServiceCollection().AddBastion(options).BuildServiceProvider();
        var records = await again.GetRequiredService<IBastionStore>().ReadAuditEventsAsync(0, 100);
        Assert.Equal(50, records.Count(r => r.Type == AuditEventTypes.AuditVerified));
        Assert.True((await again.GetRequiredService<AuditTrail>().VerifyAsync()).Ok);
    }

    [Fact]
    public void Invalid_configuration_is_refused_when_registering_not_at_the_first_request()
    {
        var error = Assert.Throws<BastionConfigurationException>(() =>
            new ServiceCollection().AddBastion(new BastionOptions { DataDirectory = _data.Path, Ssh = { Port = 0 } }));
        Assert.Contains("Port", error.Message, StringComparison.Ordinal);

        var misspelt = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Bastion:Ssh:Prot"] = "22" }).Build();
        var unknown = Assert.Throws<BastionConfigurationException>(() => new ServiceCollection().AddBastion(misspelt));
        Assert.Contains("spelling", unknown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreachable_database_fails_the_first_resolve_with_a_known_failure()
    {
        var options = new BastionOptions
        {
            DataDirectory = _data.Path,
            Store = { Provider = "postgres", ConnectionString = "Host=127.0.0.1;Port=1;Database=none;Username=none;Password=none;Timeout=2" },
        };
        await using var services = new ServiceCollection().AddBastion(options).BuildServiceProvider();

        var error = Assert.ThrowsAny<Exception>(() => services.GetRequiredService<BastionContext>());

        Assert.NotNull(KnownFailures.Describe(error));
    }

    public void Dispose() => _data.Dispose();
}
