using System.Globalization;

namespace Bastion.Core.Audit.Export;

/// <summary>Syslog severities (RFC 5424 §6.2.1) for audit severities; shared by syslog, GELF "level" and journald prefixes.</summary>
public static class SyslogSeverity
{
    public static int From(AuditSeverity severity) => severity switch
    {
        AuditSeverity.Info => 6,     // informational
        AuditSeverity.Notice => 5,   // notice
        AuditSeverity.Warning => 4,  // warning
        AuditSeverity.Critical => 2, // critical
        _ => throw new ArgumentOutOfRangeException(nameof(severity), severity, "unknown audit severity"),
    };
}

/// <summary>Syslog facility names (RFC 5424 §6.2.1 and the usual Linux names) to numbers.</summary>
public static class SyslogFacility
{
    public const int AuthPriv = 10;

    private static readonly Dictionary<string, int> Names = new(StringComparer.OrdinalIgnoreCase)
    {
        ["kern"] = 0, ["user"] = 1, ["mail"] = 2, ["daemon"] = 3, ["auth"] = 4, ["syslog"] = 5, ["lpr"] = 6,
        ["news"] = 7, ["uucp"] = 8, ["cron"] = 9, ["authpriv"] = 10, ["ftp"] = 11, ["ntp"] = 12, ["security"] = 13,
        ["console"] = 14, ["solaris-cron"] = 15, ["local0"] = 16, ["local1"] = 17, ["local2"] = 18, ["local3"] = 19,
        ["local4"] = 20, ["local5"] = 21, ["local6"] = 22, ["local7"] = 23,
    };

    public static bool TryParse(string? text, out int facility)
    {
        facility = 0;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }
        if (Names.TryGetValue(text.Trim(), out facility))
        {
            return true;
        }
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out facility) && facility is >= 0 and <= 23;
    }
}
