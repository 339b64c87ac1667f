using Bastion.Core.Audit;
using Bastion.Core.Inventory;
using Bastion.Core.Mfa;
using Bastion.Core.Secrets;
using Bastion.Core.Security;
using Bastion.Core.Store;
using Bastion.Gateway.Configuration;
using Bastion.Gateway.Inventory;
using Microsoft.Extensions.Logging;

namespace Bastion.Gateway.Hosting;

/// <summary>
/// Everything the gateway and the CLI verbs share, opened from one <see cref="GatewayOptions"/>: the store, the
/// secret key, TOTP, rate limits, the inventory and the audit trail. One instance per process.
/// </summary>
public sealed class GatewayContext : IAsyncDisposable
{
    private readonly IBastionStore _store;

    private GatewayContext(GatewayOptions options, GatewayPaths paths, IBastionStore store, SecretProtector protector, AuditTrail audit, TimeProvider time)
    {
        Options = options;
        Paths = paths;
        _store = store;
        Protector = protector;
        Audit = audit;
        Time = time;
        var totpOptions = new TotpOptions { Issuer = options.Mfa.TotpIssuer };
        Totp = new TotpVerifier(store, protector, time, totpOptions);
        TotpEnrollment = new TotpEnrollment(store, protector, totpOptions);
        RateLimiter = new AuthRateLimiter(new AuthRateLimiterOptions
        {
            MaxFailuresPerUser = options.Mfa.MaxFailuresPerUser,
            MaxFailuresPerAddress = options.Mfa.MaxFailuresPerAddress,
            Window = TimeSpan.FromSeconds(options.Mfa.FailureWindowSeconds),
            LockoutDuration = TimeSpan.FromSeconds(options.Mfa.LockoutSeconds),
        }, time);
        var suffixes = string.IsNullOrEmpty(options.Inventory.DomainSuffix) ? [] : new[] { options.Inventory.DomainSuffix };
        var staticInventory = new StaticInventory(store, new StaticInventoryOptions { DomainSuffixes = suffixes });
        var instances = new InstanceResolver(() => InventoryState.Index, new InstanceResolverOptions
        {
            DomainSuffixes = suffixes,
            AllowAddresses = options.Inventory.AllowAddresses,
        });
        Inventory = new CompositeTargetResolver(staticInventory, instances, () => InventoryState.Index);
    }

    public GatewayOptions Options { get; }

    public GatewayPaths Paths { get; }

    public IBastionStore Store => _store;

    public SecretProtector Protector { get; }

    public AuditTrail Audit { get; }

    public TimeProvider Time { get; }

    public TotpVerifier Totp { get; }

    public TotpEnrollment TotpEnrollment { get; }

    public AuthRateLimiter RateLimiter { get; }

    public ITargetResolver Inventory { get; }

    /// <summary>Cloud instances as last refreshed (by this process or, via the store, by another).</summary>
    public InventoryState InventoryState { get; } = new();

    public static async Task<GatewayContext> OpenAsync(GatewayOptions options, TimeProvider time, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var errors = GatewayOptionsValidator.Validate(options);
        if (errors.Count > 0)
        {
            throw new GatewayConfigurationException(errors);
        }
        var paths = GatewayPaths.From(options);
        paths.EnsureDataDirectory();
        var store = await StoreOpener.OpenAsync(options.Store, paths, time, cancellationToken).ConfigureAwait(false);
        try
        {
            var protector = await SecretProtector.LoadOrCreateAsync(paths.SecretKey, cancellationToken).ConfigureAwait(false);
            var audit = new AuditTrail(store, new AuditTrailOptions { JsonLinesPath = paths.AuditJsonLines }, time, loggers.CreateLogger<AuditTrail>());
            audit.Start();
            var context = new GatewayContext(options, paths, store, protector, audit, time);
            context.InventoryState.LoadFrom(await store.ListInventoryAccountsAsync(cancellationToken).ConfigureAwait(false));
            return context;
        }
        catch
        {
            await store.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Audit.DisposeAsync().ConfigureAwait(false);
        Protector.Dispose();
        await _store.DisposeAsync().ConfigureAwait(false);
    }
}
