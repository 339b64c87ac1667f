using System.Globalization;
using Bastion.Core.Audit;

namespace Bastion.Core.Alerts;

/// <summary>Builds the audit event of a finding: who and where from the triggering record, plus what was new.</summary>
internal static class AlertEvent
{
    /// <param name="summary">One sentence a person in a chat channel understands without opening anything.</param>
    public static AuditEvent For(AuditRecord trigger, string type, AuditSeverity severity, string summary, params (string Key, string Value)[] details)
    {
        var data = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["summary"] = summary,
            ["trigger_seq"] = trigger.Seq.ToString(CultureInfo.InvariantCulture),
            ["trigger_type"] = trigger.Type,
            ["trigger_at"] = AuditTimestamp.ToText(trigger.Timestamp),
        };
        foreach (var (key, value) in details)
        {
            data[key] = value;
        }
        return new AuditEvent(type, severity)
        {
            SessionId = trigger.SessionId,
            User = trigger.User,
            SourceAddress = trigger.SourceAddress,
            Data = data,
        };
    }

    /// <summary>"2026-11-29 18:00 UTC".</summary>
    public static string Utc(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);

    public static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);
}
