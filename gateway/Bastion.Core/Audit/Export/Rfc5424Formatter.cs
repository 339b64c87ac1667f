using System.Globalization;
using System.Text;

namespace Bastion.Core.Audit.Export;

/// <summary>
/// RFC 5424 syslog: "&lt;PRI&gt;1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [bastion@32473 key="value" …] MSG".
/// MSGID is the event type; the structured data carries the chain fields, who, from where and every data entry;
/// MSG is the short summary. 32473 is the private enterprise number reserved for documentation (RFC 5612).
/// </summary>
public sealed class Rfc5424Formatter : IAuditFormatter
{
    public const string StructuredDataId = "bastion@32473";

    private static readonly HashSet<string> Reserved = new(StringComparer.Ordinal)
    {
        "seq", "type", "severity", "ts", "hash", "prev_hash", "session", "user", "src",
    };

    private readonly int _facility;
    private readonly string _hostName;
    private readonly string _appName;
    private readonly string _procId;

    public Rfc5424Formatter(int facility, string hostName, string appName, int processId)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(facility);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(facility, 23);
        _facility = facility;
        _hostName = HeaderField(hostName, 255);
        _appName = HeaderField(appName, 48);
        _procId = processId.ToString(CultureInfo.InvariantCulture);
    }

    public byte[] Format(AuditRecord record)
    {
        var text = new StringBuilder(512);
        var pri = _facility * 8 + SyslogSeverity.From(record.Severity);
        text.Append('<').Append(pri.ToString(CultureInfo.InvariantCulture)).Append(">1 ")
            .Append(record.Timestamp.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture)).Append(' ')
            .Append(_hostName).Append(' ')
            .Append(_appName).Append(' ')
            .Append(_procId).Append(' ')
            .Append(HeaderField(record.Type, 32)).Append(' ');

        text.Append('[').Append(StructuredDataId);
        Param(text, "seq", record.Seq.ToString(CultureInfo.InvariantCulture));
        Param(text, "type", record.Type);
        Param(text, "severity", record.Severity.ToText());
        Param(text, "ts", AuditTimestamp.ToText(record.Timestamp));
        Param(text, "hash", Convert.ToHexStringLower(record.Hash));
        Param(text, "prev_hash", Convert.ToHexStringLower(record.PrevHash));
        Param(text, "session", record.SessionId);
        Param(text, "user", record.User);
        Param(text, "src", record.SourceAddress);
        var used = new HashSet<string>(Reserved, StringComparer.Ordinal);
        foreach (var (key, value) in record.Data.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            Param(text, ParamName(key, used), value);
        }
        text.Append(']');

        var message = AuditSummary.ShortMessage(record);
        text.Append(' ');
        // RFC 5424 §6.4: a UTF-8 MSG starts with a BOM; pure ASCII is valid MSG-ANY without one.
        if (!Ascii.IsValid(message))
        {
            text.Append('\uFEFF');
        }
        text.Append(message);
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    /// <summary>
    /// PARAM-VALUE escaping (RFC 5424 §6.3.3): '"', '\' and ']' are preceded by a backslash; everything else,
    /// including UTF-8, is carried as is.
    /// </summary>
    internal static string EscapeParamValue(string value)
    {
        if (value.AsSpan().IndexOfAny("\"\\]") < 0)
        {
            return value;
        }
        var escaped = new StringBuilder(value.Length + 8);
        foreach (var c in value)
        {
            if (c is '"' or '\\' or ']')
            {
                escaped.Append('\\');
            }
            escaped.Append(c);
        }
        return escaped.ToString();
    }

    /// <summary>SD-NAME: 1..32 printable ASCII except '=', ' ', ']' and '"'; others become '_'; clashes get "data_" or a number.</summary>
    internal static string ParamName(string key, HashSet<string> used)
    {
        var clean = new StringBuilder(Math.Min(key.Length, 32));
        foreach (var c in key.Length == 0 ? "_" : key)
        {
            clean.Append(c is > ' ' and <= '~' and not '=' and not ']' and not '"' ? c : '_');
        }
        var name = Cut(clean.ToString(), 32);
        if (used.Contains(name))
        {
            name = Cut("data_" + name, 32);
        }
        var unique = name;
        for (var n = 2; !used.Add(unique); n++)
        {
            var suffix = "_" + n.ToString(CultureInfo.InvariantCulture);
            unique = Cut(name, 32 - suffix.Length) + suffix;
        }
        return unique;
    }

    private static void Param(StringBuilder text, string name, string? value)
    {
        if (value is null)
        {
            return;
        }
        text.Append(' ').Append(name).Append("=\"").Append(EscapeParamValue(value)).Append('"');
    }

    /// <summary>Header fields are printable ASCII without spaces, limited in length; empty is the NILVALUE "-".</summary>
    private static string HeaderField(string? value, int maxLength)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "-";
        }
        var clean = string.Create(value.Length, value, static (span, v) =>
        {
            for (var i = 0; i < v.Length; i++)
            {
                span[i] = v[i] is > ' ' and <= '~' ? v[i] : '_';
            }
        });
        return Cut(clean, maxLength);
    }

    private static string Cut(string value, int maxLength) => value.Length <= maxLength ? value : value[..maxLength];
}
