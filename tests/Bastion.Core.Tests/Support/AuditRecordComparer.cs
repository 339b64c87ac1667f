using Bastion.Core.Audit;

namespace Bastion.Core.Tests.Support;

/// <summary>Compares audit records by value, including the byte arrays and the data map records compare by reference.</summary>
public sealed class AuditRecordComparer : IEqualityComparer<AuditRecord>
{
    public static AuditRecordComparer Instance { get; } = new();

    public bool Equals(AuditRecord? x, AuditRecord? y) =>
        x is not null && y is not null
        && x.Seq == y.Seq && x.Timestamp == y.Timestamp && x.Type == y.Type && x.Severity == y.Severity
        && x.SessionId == y.SessionId && x.User == y.User && x.SourceAddress == y.SourceAddress
        && x.Data.Count == y.Data.Count && x.Data.All(kv => y.Data.TryGetValue(kv.Key, out var v) && v == kv.Value)
        && x.PrevHash.AsSpan().SequenceEqual(y.PrevHash) && x.Hash.AsSpan().SequenceEqual(y.Hash);

    public int GetHashCode(AuditRecord obj) => obj.Seq.GetHashCode();
}
