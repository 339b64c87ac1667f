namespace Bastion.Core.Audit.Export;

/// <summary>
/// One JSON object per record with exactly the fields (and hashes) of the audit.jsonl copy, so a shipped line can
/// be checked against the chain. The JSON writer escapes control characters, so a record is always one line.
/// </summary>
public sealed class JsonLinesFormatter : IAuditFormatter
{
    public byte[] Format(AuditRecord record) => AuditJsonLines.SerializeOne(record);
}

/// <summary>
/// Prefixes each message with its syslog level as "&lt;N&gt;", which journald strips from a service's standard output
/// and stores as PRIORITY (SyslogLevelPrefix=yes, the default), so `journalctl -p warning` finds failed logins.
/// </summary>
public sealed class LevelPrefixFormatter(IAuditFormatter inner) : IAuditFormatter
{
    public byte[] Format(AuditRecord record)
    {
        var body = inner.Format(record);
        var prefix = System.Text.Encoding.ASCII.GetBytes($"<{SyslogSeverity.From(record.Severity)}>");
        return [.. prefix, .. body];
    }
}
