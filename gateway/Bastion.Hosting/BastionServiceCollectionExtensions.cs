using Bastion.Core.Audit;
using Bastion.Core.Audit.Export;
using Bastion.Core.Mfa;
using Bastion.Core.Secrets;
using Bastion.Core.Security;
using Bastion.Core.Store;
using Bastion.Hosting.Configuration;
using Bastion.Hosting.Inventory;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bastion.Hosting;

/// <summary>
/// The one composition of what the gateway, its CLI verbs and the admin app share: options, data directory, store,
/// secret key, audit trail (with its exporters), TOTP, rate limits, inventory snapshot and <see cref="BastionContext"/>.
/// </summary>
public static class BastionServiceCollectionExtensions
{
    /// <summary>Binds the "Bastion" section of <paramref name="configuration"/>, validates it and registers the services.</summary>
    /// <exception cref="BastionConfigurationException">An unknown key, a value out of range, a missing file.</exception>
    public static IServiceCollection AddBastion(this IServiceCollection services, IConfiguration configuration) =>
        services.AddBastion(BastionConfiguration.Bind(configuration));

    /// <summary>
    /// Registers the services for options already bound. Nothing is opened here: the first resolve opens the store
    /// (and migrates it) and loads the secret key, so a host resolves <see cref="BastionContext"/> at start to fail
    /// there, with <see cref="KnownFailures"/> naming the problem. The container disposes the parts in reverse order of
    /// creation: the audit trail drains, then its exporters stop, then the store closes.
    /// </summary>
    /// <exception cref="BastionConfigurationException">The options are not valid.</exception>
    public static IServiceCollection AddBastion(this IServiceCollection services, BastionOptions options)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(options);
        var errors = BastionOptionsValidator.Validate(options);
        if (errors.Count > 0)
        {
            throw new BastionConfigurationException(errors);
        }
        var paths = BastionPaths.From(options);
        services.AddSingleton(options);
        services.AddSingleton(paths);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ILoggerFactory>(NullLoggerFactory.Instance);
        services.TryAdd(ServiceDescriptor.Singleton(typeof(ILogger<>), typeof(Logger<>)));

        // Opening is asynchronous (a database round trip, migrations) but happens once, at start, on a host without a
        // synchronization context; the container has no asynchronous factories.
        services.AddSingleton(sp =>
        {
            paths.EnsureDataDirectory();
            var store = StoreOpener.OpenAsync(options.Store, paths, sp.GetRequiredService<TimeProvider>(), CancellationToken.None).GetAwaiter().GetResult();
            if (store.SchemaNotice is { } notice)
            {
                sp.GetRequiredService<ILogger<BastionContext>>().LogWarning("{Notice}", notice);
            }
            return store;
        });
        services.AddSingleton(sp =>
        {
            paths.EnsureDataDirectory();
            return SecretProtector.LoadOrCreateAsync(paths.SecretKey, CancellationToken.None).GetAwaiter().GetResult();
        });
        services.AddSingleton(sp => AuditExporters.Create(options.Audit.Export, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILoggerFactory>()));
        services.AddSingleton(sp =>
        {
            var audit = new AuditTrail(sp.GetRequiredService<IBastionStore>(), new AuditTrailOptions { JsonLinesPath = paths.AuditJsonLines },
                sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<AuditTrail>>());
            // Exporters observe before the writer starts, so they see every record this process stores.
            sp.GetRequiredService<AuditExporters>().AttachAndStart(audit);
            audit.Start();
            return audit;
        });
        var totpOptions = new TotpOptions { Issuer = options.Mfa.TotpIssuer };
        services.AddSingleton(sp => new TotpVerifier(sp.GetRequiredService<IBastionStore>(), sp.GetRequiredService<SecretProtector>(),
            sp.GetRequiredService<TimeProvider>(), totpOptions));
        services.AddSingleton(sp => new TotpEnrollment(sp.GetRequiredService<IBastionStore>(), sp.GetRequiredService<SecretProtector>(), totpOptions));
        services.AddSingleton(sp => new AuthRateLimiter(sp.GetRequiredService<IBastionStore>(), BastionContext.RateLimits(options.Mfa),
            sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp =>
        {
            var state = new InventoryState(InventoryAddressPolicy.From(options.Inventory));
            state.LoadFrom(sp.GetRequiredService<IBastionStore>().ListInventoryAccountsAsync(CancellationToken.None).GetAwaiter().GetResult());
            return state;
        });
        services.AddSingleton(sp => new BastionContext(options, paths, sp.GetRequiredService<IBastionStore>(), sp.GetRequiredService<SecretProtector>(),
            sp.GetRequiredService<AuditTrail>(), sp.GetRequiredService<AuditExporters>(), sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<TotpVerifier>(), sp.GetRequiredService<TotpEnrollment>(), sp.GetRequiredService<AuthRateLimiter>(),
            sp.GetRequiredService<InventoryState>()));
        return services;
    }
}
