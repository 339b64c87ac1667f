using Bastion.Core.Audit;
using Bastion.Core.Audit.Export;
using Bastion.Core.Inventory;
using Bastion.Core.Mfa;
using Bastion.Core.Secrets;
using Bastion.Core.Security;
using Bastion.Core.Store;
using Bastion.Hosting.Configuration;
using Bastion.Hosting.Inventory;

namespace Bastion.Hosting;

/// <summary>
/// The shared services as one handle for the code that uses several (the SSH session, CLI verbs, admin pages), plus
/// what a configuration reload swaps (the options snapshot, rate-limit thresholds, the target resolver). Each part is
/// built and disposed by the container (<see cref="BastionServiceCollectionExtensions"/>); one instance per process.
/// </summary>
public sealed class BastionContext
{
    private readonly IBastionStore _store;
    private volatile BastionOptions _options;
    private volatile CompositeTargetResolver _inventory;

    /// <summary>Built by the container (<see cref="BastionServiceCollectionExtensions.AddBastion(Microsoft.Extensions.DependencyInjection.IServiceCollection, BastionOptions)"/>), which owns and disposes every part.</summary>
    public BastionContext(BastionOptions options, BastionPaths paths, IBastionStore store, SecretProtector protector, AuditTrail audit,
        AuditExporters exporters, TimeProvider time, TotpVerifier totp, TotpEnrollment totpEnrollment, AuthRateLimiter rateLimiter,
        InventoryState inventoryState)
    {
        AuditExporters = exporters;
        _options = options;
        Paths = paths;
        _store = store;
        Protector = protector;
        Audit = audit;
        Time = time;
        Totp = totp;
        TotpEnrollment = totpEnrollment;
        RateLimiter = rateLimiter;
        InventoryState = inventoryState;
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

    public static AuthRateLimiterOptions RateLimits(MfaOptions mfa) => new()
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
}
