using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Bastion.Gateway.Inventory.Ec2;

public static class Ec2ServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="Ec2Inventory"/> (singleton) and, when <paramref name="options"/> is enabled, the
    /// <see cref="Ec2InventoryRefresher"/> hosted service. Validate the options first (<see cref="Ec2InventoryOptions.Validate"/>).
    /// Registers <see cref="TimeProvider.System"/> unless a TimeProvider is already registered, and the SDK-backed
    /// <see cref="Ec2AccountFetcher"/> (gateway credentials from the SDK default chain) unless an
    /// <see cref="IEc2AccountFetcher"/> is already registered.
    /// </summary>
    public static IServiceCollection AddEc2Inventory(this IServiceCollection services, Ec2InventoryOptions options)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(options);
        services.AddSingleton(options);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IEc2AccountFetcher>(sp => ActivatorUtilities.CreateInstance<Ec2AccountFetcher>(sp));
        services.AddSingleton<Ec2Inventory>();
        if (options.Enabled)
        {
            services.AddHostedService<Ec2InventoryRefresher>();
        }
        return services;
    }
}
