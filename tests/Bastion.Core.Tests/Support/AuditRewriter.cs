using Bastion.Core.Audit;
using Bastion.Core.Store;

namespace Bastion.Core.Tests.Support;

/// <summary>
/// The attack the hash chain alone cannot show: someone with write access to the database changes an event and
/// rebuilds the whole chain with recomputed hashes (here by deleting every event and appending them again, one
/// changed, with their original times). Afterwards the chain verifies; only a copy shipped at the time tells.
/// </summary>
public static class AuditRewriter
{
    public static async Task RewriteAsync(IAuditStore store, Func<string, Task> executeSql, Func<AuditRecord, AuditEvent?> change)
    {
        var records = new List<AuditRecord>();
        while (true)
        {
            var page = await store.ReadAuditEventsAsync(records.Count == 0 ? 0 : records[^1].Seq, 1000);
            records.AddRange(page);
            if (page.Count < 1000)
            {
                break;
            }
        }
        await executeSql("DELETE FROM audit_events;");
        await executeSql("DELETE FROM audit_chain_head;");
        var events = records.Select(r => change(r) ?? AsEvent(r)).ToList();
        foreach (var chunk in events.Chunk(500))
        {
            await store.AppendAuditEventsAsync(chunk);
        }
    }

    public static AuditEvent AsEvent(AuditRecord record) => new(record.Type, record.Severity)
    {
        Timestamp = record.Timestamp,
        SessionId = record.SessionId,
        User = record.User,
        SourceAddress = record.SourceAddress,
        Data = record.Data,
    };
}
