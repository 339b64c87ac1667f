namespace Bastion.Core.Audit;

/// <summary>
/// Sees every record this process stored, in chain order, right after the store accepted it (exporters,
/// anomaly detection). Called on the audit writer's loop, so it must only queue and return: a slow or
/// failing observer must never hold up the trail or a session. Exceptions are logged and ignored.
/// </summary>
public interface IAuditRecordObserver
{
    void OnStored(IReadOnlyList<AuditRecord> records);
}
