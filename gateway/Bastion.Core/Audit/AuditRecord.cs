namespace Bastion.Core.Audit;

/// <summary>A stored audit event: its place in the chain (<see cref="Seq"/>) and the hashes that seal it.</summary>
/// <param name="PrevHash">Hash of the previous record; 32 zero bytes for the first.</param>
/// <param name="Hash">SHA-256 computed by <see cref="AuditHash.Compute(AuditRecord)"/> over this record's fields and PrevHash.</param>
public sealed record AuditRecord(
    long Seq,
    DateTimeOffset Timestamp,
    string Type,
    AuditSeverity Severity,
    string? SessionId,
    string? User,
    string? SourceAddress,
    IReadOnlyDictionary<string, string> Data,
    byte[] PrevHash,
    byte[] Hash);

/// <summary>The last appended event's seq and hash, recorded separately so that deleting the newest rows shows.</summary>
public sealed record AuditChainHead(long LastSeq, byte[] LastHash);
