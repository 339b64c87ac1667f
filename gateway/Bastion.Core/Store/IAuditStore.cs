using Bastion.Core.Audit;

namespace Bastion.Core.Store;

/// <summary>
/// Append-only storage of the audit hash chain. Implementations must serialize appends across processes
/// (one chain, no forks) and compute hashes with <see cref="AuditHash"/>. Use <see cref="AuditTrail"/> rather
/// than calling this directly; it adds queuing and the JSON-lines copy.
/// </summary>
public interface IAuditStore
{
    /// <summary>
    /// Appends the events in order, in one transaction, chaining each to the current head. Events without a
    /// timestamp get the store clock's time. Returns the stored records.
    /// </summary>
    Task<IReadOnlyList<AuditRecord>> AppendAuditEventsAsync(IReadOnlyList<AuditEvent> events, CancellationToken ct = default);

    /// <summary>Up to <paramref name="limit"/> records with seq greater than <paramref name="afterSeq"/>, ascending.</summary>
    Task<IReadOnlyList<AuditRecord>> ReadAuditEventsAsync(long afterSeq, int limit, CancellationToken ct = default);

    /// <summary>The seq and hash of the last appended event as recorded at append time, or null if none.</summary>
    Task<AuditChainHead?> GetAuditChainHeadAsync(CancellationToken ct = default);

    /// <summary>Events matching the query, newest first, one page at a time.</summary>
    Task<AuditPage> QueryAuditEventsAsync(AuditQuery query, CancellationToken ct = default);
}
