namespace Bastion.Core.Audit;

/// <summary>How much attention an audit event deserves. Stored and hashed as its lowercase name.</summary>
public enum AuditSeverity
{
    /// <summary>Routine: connections, successful logins, channel opens and closes.</summary>
    Info,

    /// <summary>Worth a look: key-only logins of automation accounts, admin changes.</summary>
    Notice,

    /// <summary>Something failed or was refused: bad codes, denied channels, lockouts.</summary>
    Warning,

    /// <summary>Integrity or security problem: chain verification failures, tampering.</summary>
    Critical,
}

internal static class AuditSeverityText
{
    public static string ToText(this AuditSeverity severity) => severity switch
    {
        AuditSeverity.Info => "info",
        AuditSeverity.Notice => "notice",
        AuditSeverity.Warning => "warning",
        AuditSeverity.Critical => "critical",
        _ => throw new ArgumentOutOfRangeException(nameof(severity), severity, "unknown audit severity"),
    };

    public static AuditSeverity Parse(string text) => text switch
    {
        "info" => AuditSeverity.Info,
        "notice" => AuditSeverity.Notice,
        "warning" => AuditSeverity.Warning,
        "critical" => AuditSeverity.Critical,
        _ => throw new FormatException($"unknown audit severity \"{text}\" in the store"),
    };
}
