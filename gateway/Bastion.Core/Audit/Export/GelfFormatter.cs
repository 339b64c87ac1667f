using System.Buffers;
using System.Text.Json;

namespace Bastion.Core.Audit.Export;

/// <summary>
/// GELF 1.1 (https://go2docs.graylog.org/current/getting_in_log_data/gelf.html): version, host, short_message,
/// timestamp (Unix seconds with milliseconds), level (syslog), then additional fields with a leading underscore:
/// the record's chain fields (_seq, _hash, _prev_hash, _ts with full precision, so a message can be checked against
/// the chain), who and where from (_user, _session_id, _src_ip, _src_port), and every data entry (_target,
/// _instance_id, _account, …). Data values stay strings: a field that is sometimes a number and sometimes text
/// breaks Graylog's index mapping.
/// </summary>
public sealed class GelfFormatter(string host) : IAuditFormatter
{
    /// <summary>Names taken by the record's own fields; a data entry with one of these names becomes _data_NAME.</summary>
    private static readonly HashSet<string> Reserved = new(StringComparer.Ordinal)
    {
        "_id", "_type", "_severity", "_seq", "_ts", "_hash", "_prev_hash", "_session_id", "_user", "_src_ip", "_src_port",
    };

    public byte[] Format(AuditRecord record)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("version", "1.1");
            json.WriteString("host", host);
            json.WriteString("short_message", AuditSummary.ShortMessage(record));
            json.WriteNumber("timestamp", record.Timestamp.ToUnixTimeMilliseconds() / 1000m);
            json.WriteNumber("level", SyslogSeverity.From(record.Severity));
            json.WriteString("_type", record.Type);
            json.WriteString("_severity", record.Severity.ToText());
            json.WriteNumber("_seq", record.Seq);
            json.WriteString("_ts", AuditTimestamp.ToText(record.Timestamp));
            json.WriteString("_hash", Convert.ToHexStringLower(record.Hash));
            json.WriteString("_prev_hash", Convert.ToHexStringLower(record.PrevHash));
            WriteIfPresent(json, "_session_id", record.SessionId);
            WriteIfPresent(json, "_user", record.User);
            var (address, port) = AuditSummary.Source(record);
            WriteIfPresent(json, "_src_ip", address);
            if (port is { } p)
            {
                json.WriteNumber("_src_port", p);
            }
            var used = new HashSet<string>(Reserved, StringComparer.Ordinal);
            foreach (var (key, value) in record.Data.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                json.WriteString(FieldName(key, used), value);
            }
            json.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// "_" + the key with every character outside GELF's ^[\w\.\-]*$ (ASCII word characters, dot, dash) replaced by
    /// "_"; names of the record's own fields (and "_id", which GELF forbids) move to "_data_KEY"; duplicates after
    /// sanitizing get "_2", "_3", … so the JSON never repeats a name.
    /// </summary>
    internal static string FieldName(string key, HashSet<string> used)
    {
        var clean = string.Create(key.Length, key, static (span, k) =>
        {
            for (var i = 0; i < k.Length; i++)
            {
                var c = k[i];
                span[i] = char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-' ? c : '_';
            }
        });
        var name = "_" + clean;
        if (used.Contains(name))
        {
            name = "_data_" + clean;
        }
        var unique = name;
        for (var n = 2; !used.Add(unique); n++)
        {
            unique = $"{name}_{n}";
        }
        return unique;
    }

    private static void WriteIfPresent(Utf8JsonWriter json, string name, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            json.WriteString(name, value);
        }
    }
}
