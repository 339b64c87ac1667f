using Bastion.Core.Audit;
using Bastion.Core.Audit.Export;
using Bastion.Core.Inventory;
using Bastion.Core.Mfa;
using Bastion.Core.Secrets;
using Bastion.Core.Security;
using Bastion.Core.Store;
using Bastion.Hosting.Configuration;
using Bastion.Hosting.Inventory;
using Microsoft.Extensions.Logging;

namespace Bastion.Hosting;

/// <summary>
/// Everything the gateway and the CLI verbs share, opened from one <see cref="BastionOptions"/>: the store, the
/// secret key, TOTP, rate limits, the inventory and the audit trail. One instance per process.
/// </summary>
public sealed class BastionContext : IAsyncDisposable
{
    private readonly IBastionStore _store;
    private volatile BastionOptions _options;
    private volatile CompositeTargetResolver _inventory;

    private BastionContext(BastionOptions options, BastionPaths paths, IBastionStore store, SecretProtector protector, AuditTrail audit,
        AuditExporters exporters, TimeProvider time)
    {
        AuditExporters = exporters;
        _options = options;
        Paths = paths;
        _store = store;
        Protector = protector;
        Audit = audit;
        Time = time;
        var totpOptions = new TotpOptions { Issuer = options.Mfa.TotpIssuer };
        Totp = new TotpVerifier(store, protector, time, totpOptions);
        TotpEnrollment = new TotpEnrollment(store, protector, totpOptions);
        RateLimiter = new AuthRateLimiter(store, RateLimits(options.Mfa), time);
        InventoryState = new InventoryState(InventoryAddressPolicy.From(options.Inventory));
        _inventory = BuildInventory(options.Inventory);
    }

    /// <summary>The settings in force; a configuration reload swaps in a new snapshot (see <see cref="ApplyReloadable"/>).</summary>
    public BastionOptions Options => _options;

    /// <summary>
    /// Puts a reloaded configuration in force for new logins and channel opens: the options snapshot, the rate-limit
    /// thresholds (failure history kept) and the target resolver (domain suffix, direct addresses). The caller has
    /// validated <paramref name="options"/> and kept the values that need a restart.
    /// </summary>
    public void ApplyReloadable(BastionOptions options)
    {
        RateLimiter.Reconfigure(RateLimits(options.Mfa));
        _inventory = BuildInventory(options.Inventory);
        _options = options;
    }

    private static AuthRateLimiterOptions RateLimits(MfaOptions mfa) => new()
    {
        MaxFailuresPerUser = mfa.MaxFailuresPerUser,
        MaxFailuresPerAddress = mfa.MaxFailuresPerAddress,
        UserWindow = TimeSpan.FromSeconds(mfa.UserFailureWindowSeconds),
        Window = TimeSpan.FromSeconds(mfa.FailureWindowSeconds),
        LockoutDuration = TimeSpan.FromSeconds(mfa.LockoutSeconds),
        MaxLockoutDuration = TimeSpan.FromSeconds(mfa.MaxLockoutSeconds),
        LockoutMemory = TimeSpan.FromSeconds(mfa.LockoutMemorySeconds),
    };

    private CompositeTargetResolver BuildInventory(InventoryOptions inventory)
    {
        var suffixes = string.IsNullOrEmpty(inventory.DomainSuffix) ? [] : new[] { inventory.DomainSuffix };
        var staticInventory = new StaticInventory(_store, new StaticInventoryOptions { DomainSuffixes = suffixes });
        var instances = new InstanceResolver(() => InventoryState.Index, new InstanceResolverOptions
        {
            DomainSuffixes = suffixes,
            AllowAddresses = inventory.AllowAddresses,
            MaxStale = TimeSpan.FromSeconds(inventory.Ec2.MaxStaleSeconds),
        }, Time);
        return new CompositeTargetResolver(staticInventory, instances, () => InventoryState.Index);
    }

    /// <summary>This gateway node in live-session rows (<see cref="BastionOptions.NodeId"/>, else the host name).</summary>
    public string NodeId => string.IsNullOrEmpty(Options.NodeId) ? Environment.MachineName : Options.NodeId;

    public BastionPaths Paths { get; }

    public IBastionStore Store => _store;

    public SecretProtector Protector { get; }

    public AuditTrail Audit { get; }

    /// <summary>Forwarders of this process's audit records (journald, GELF, syslog), as configured; stopped after <see cref="Audit"/>.</summary>
    public AuditExporters AuditExporters { get; }

    public TimeProvider Time { get; }

    public TotpVerifier Totp { get; }

    public TotpEnrollment TotpEnrollment { get; }

    public AuthRateLimiter RateLimiter { get; }

    /// <summary>TOTP guesses for one user are checked one at a time in this process (see <see cref="OneAtATime"/>).</summary>
    public OneAtATime TotpGuesses { get; } = new();

    public ITargetResolver Inventory => _inventory;

    /// <summary>Cloud instances as last refreshed (by this process or, via the store, by another).</summary>
    public InventoryState InventoryState { get; }

    public static async Task<BastionContext> OpenAsync(BastionOptions options, TimeProvider time, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var errors = BastionOptionsValidator.Validate(options);
        if (errors.Count > 0)
        {
            throw new BastionConfigurationException(errors);
        }
        var paths = BastionPaths.From(options);
        paths.EnsureDataDirectory();
        var store = await StoreOpener.OpenAsync(options.Store, paths, time, cancellationToken).ConfigureAwait(false);
        if (store.SchemaNotice is { } notice)
        {
            loggers.CreateLogger<BastionContext>().LogWarning("{Notice}", notice);
        }
        AuditExporters? exporters = null;
        try
        {
            var protector = await SecretProtector.LoadOrCreateAsync(paths.SecretKey, cancellationToken).ConfigureAwait(false);
            var audit = new AuditTrail(store, new AuditTrailOptions { JsonLinesPath = paths.AuditJsonLines }, time, loggers.CreateLogger<AuditTrail>());
            // Exporters observe before the writer starts, so they see every record this process stores.
            exporters = AuditExporters.Create(options.Audit.Export, time, loggers);
            exporters.AttachAndStart(audit);
            audit.Start();
            var context = new BastionContext(options, paths, store, protector, audit, exporters, time);
            context.InventoryState.LoadFrom(await store.ListInventoryAccountsAsync(cancellationToken).ConfigureAwait(false));
            return context;
        }
        catch
        {
            if (exporters is not null)
            {
                await exporters.StopAsync().ConfigureAwait(false);
            }
            await store.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Audit.DisposeAsync().ConfigureAwait(false);
        // After the trail is drained, so its last records (disconnects at shutdown) are still forwarded.
        await AuditExporters.StopAsync().ConfigureAwait(false);
        Protector.Dispose();
        await _store.DisposeAsync().ConfigureAwait(false);
    }
}
