using Bastion.Core.Store;

namespace Bastion.Core.Audit;

/// <summary>
/// Walks the whole chain in seq order, in pages, and reports the first place it does not hold:
/// a record whose contents no longer match its hash (edited), a gap in seq (deleted), a prev_hash that is not
/// the previous record's hash (deleted, inserted or reordered), or a chain head that the table no longer
/// reaches (newest events deleted). Works with any <see cref="IAuditStore"/>.
/// </summary>
internal static class AuditChainVerifier
{
    private const int PageSize = 1000;

    public static async Task<AuditVerification> VerifyAsync(IAuditStore store, CancellationToken ct)
    {
        // The head first: it is written in the same transaction as its event, so every event up to it is committed
        // and can be walked; events appended while we walk lie beyond it and are left for the next run. Read after
        // the walk, a head moved on by a busy gateway looked like deleted events.
        var head = await store.GetAuditChainHeadAsync(ct).ConfigureAwait(false);
        var end = head?.LastSeq ?? long.MaxValue;
        long checkedCount = 0;
        long lastSeq = 0;
        byte[] lastHash = AuditHash.Genesis.ToArray();
        var more = true;
        while (more && lastSeq < end)
        {
            var page = await store.ReadAuditEventsAsync(lastSeq, PageSize, ct).ConfigureAwait(false);
            foreach (var record in page)
            {
                if (record.Seq > end)
                {
                    break;
                }
                var problem = Check(record, lastSeq, lastHash);
                if (problem is not null)
                {
                    return new AuditVerification(false, checkedCount, problem.Value.Seq, problem.Value.Text);
                }
                checkedCount++;
                lastSeq = record.Seq;
                lastHash = record.Hash;
            }
            more = page.Count == PageSize;
        }

        if (head is null)
        {
            // Empty when we looked; events now are either new ones (with a head by now) or a deleted head.
            head = lastSeq == 0 ? null : await store.GetAuditChainHeadAsync(ct).ConfigureAwait(false);
            if (head is null)
            {
                return lastSeq == 0
                    ? new AuditVerification(true, 0, null, null)
                    : new AuditVerification(false, checkedCount, lastSeq, "events exist but the chain head is missing: the head record was deleted");
            }
            if (head.LastSeq > lastSeq)
            {
                return new AuditVerification(true, checkedCount, null, null);
            }
        }
        if (head.LastSeq != lastSeq || !head.LastHash.AsSpan().SequenceEqual(lastHash))
        {
            var text = head.LastSeq > lastSeq
                ? $"the chain head records event {head.LastSeq} as the newest, but the events end at {lastSeq}: the newest events were deleted"
                : $"the chain head (event {head.LastSeq}) does not match the newest event {lastSeq}: the head or the newest events were altered";
            return new AuditVerification(false, checkedCount, Math.Min(head.LastSeq, lastSeq) + 1, text);
        }
        return new AuditVerification(true, checkedCount, null, null);
    }

    private static (long Seq, string Text)? Check(AuditRecord record, long lastSeq, byte[] lastHash)
    {
        if (record.Seq != lastSeq + 1)
        {
            return (lastSeq + 1, lastSeq + 1 == record.Seq - 1
                ? $"event {lastSeq + 1} is missing (seq jumps from {lastSeq} to {record.Seq}): it was deleted"
                : $"events {lastSeq + 1}–{record.Seq - 1} are missing (seq jumps from {lastSeq} to {record.Seq}): they were deleted");
        }
        if (!record.PrevHash.AsSpan().SequenceEqual(lastHash))
        {
            return (record.Seq, $"event {record.Seq} does not follow event {lastSeq} (its prev_hash differs): events were replaced, removed or reordered");
        }
        if (!AuditHash.Compute(record).AsSpan().SequenceEqual(record.Hash))
        {
            return (record.Seq, $"event {record.Seq} was modified: its contents no longer match its hash");
        }
        return null;
    }
}
