namespace Bastion.Core.Audit;

/// <summary>Settings for <see cref="AuditTrail"/>.</summary>
public sealed record AuditTrailOptions
{
    /// <summary>
    /// Where each stored event is also appended as one JSON line (for journald/Graylog shipping), e.g.
    /// "data/audit.jsonl". Null disables the copy; the database stays the source of truth.
    /// </summary>
    public string? JsonLinesPath { get; init; }

    /// <summary>Events buffered in memory before <see cref="AuditTrail.AppendAsync"/> waits for the writer.</summary>
    public int QueueCapacity { get; init; } = 10_000;

    /// <summary>Most events written in one store transaction.</summary>
    public int MaxBatchSize { get; init; } = 256;

    /// <summary>Pause before retrying after the store failed (disk full, database locked too long).</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(1);
}
