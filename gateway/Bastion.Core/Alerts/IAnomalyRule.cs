using Bastion.Core.Audit;

namespace Bastion.Core.Alerts;

/// <summary>One detector: looks at one kind of audit record and may turn it into a finding.</summary>
internal interface IAnomalyRule
{
    /// <summary>Whether records of <paramref name="type"/> are of interest (cheap; decides what gets queued).</summary>
    bool Handles(string type);

    /// <summary>The alert event to append, or null. May throw store errors; the caller logs them and goes on.</summary>
    Task<AuditEvent?> EvaluateAsync(AuditRecord record, CancellationToken ct);
}
