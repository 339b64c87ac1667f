using Bastion.Core.Alerts;
using Bastion.Core.Audit;
using Bastion.Core.Inventory;
using Bastion.Gateway.Hosting;

namespace Bastion.Gateway.Inventory;

/// <summary>
/// After each inventory change, brings the stored findings up to date and writes to the audit trail the ones that
/// opened or cleared — once each, whichever node sees them first (the store decides), not at every refresh. Alerts
/// (address conflicts, SSH bypasses) are audit events "alert.*", so the alert webhook pages the on-call too.
/// </summary>
public sealed class InventoryFindingsPublisher
{
    private readonly BastionContext _context;

    public InventoryFindingsPublisher(BastionContext context) => _context = context;

    /// <summary>Reads the static targets, computes every finding of <paramref name="index"/> and records what changed.</summary>
    /// <param name="extra">Findings computed elsewhere (e.g. SSH bypasses), by kind; a kind given with an empty list clears it.</param>
    public async Task PublishAsync(InstanceIndex index, IReadOnlyDictionary<string, IReadOnlyList<InventoryFinding>>? extra, CancellationToken ct)
    {
        var staticTargets = await new StaticInventory(_context.Store).ListAsync(ct).ConfigureAwait(false);
        _context.InventoryState.Statics = staticTargets;
        var byKind = new Dictionary<string, IReadOnlyList<InventoryFinding>>(StringComparer.Ordinal)
        {
            [InventoryFindingKinds.InstanceRejected] = InventoryFindingRules.Rejected(index),
            [InventoryFindingKinds.AddressConflict] = InventoryFindingRules.Conflicts(index, staticTargets),
        };
        foreach (var (kind, findings) in extra ?? new Dictionary<string, IReadOnlyList<InventoryFinding>>())
        {
            byKind[kind] = findings;
        }
        foreach (var (kind, findings) in byKind)
        {
            var changes = await _context.Store.SyncInventoryFindingsAsync(kind, findings, ct).ConfigureAwait(false);
            foreach (var opened in changes.Opened)
            {
                await _context.Audit.AppendAsync(new AuditEvent(EventTypeOf(kind), SeverityOf(kind))
                {
                    Data = new Dictionary<string, string>(opened.Data) { ["finding_kind"] = kind, ["finding_subject"] = opened.Subject },
                }, ct).ConfigureAwait(false);
            }
            foreach (var closed in changes.Closed)
            {
                await _context.Audit.AppendAsync(new AuditEvent(AuditEventTypes.InventoryFindingCleared, AuditSeverity.Info)
                {
                    Data = new Dictionary<string, string>
                    {
                        ["kind"] = kind,
                        ["subject"] = closed.Subject,
                        ["summary"] = $"cleared: {closed.Summary}",
                        ["account_id"] = closed.AccountId,
                        ["first_seen_at"] = closed.FirstSeen.ToString("O"),
                    },
                }, ct).ConfigureAwait(false);
            }
        }
    }

    private static string EventTypeOf(string kind) => kind switch
    {
        InventoryFindingKinds.AddressConflict => AlertTypes.AddressConflict,
        InventoryFindingKinds.SshBypass => AlertTypes.SshBypass,
        _ => AuditEventTypes.InventoryInstanceRejected,
    };

    private static AuditSeverity SeverityOf(string kind) => kind == InventoryFindingKinds.InstanceRejected ? AuditSeverity.Notice : AuditSeverity.Warning;
}
