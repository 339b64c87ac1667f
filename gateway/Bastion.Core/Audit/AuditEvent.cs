using System.Text.RegularExpressions;

namespace Bastion.Core.Audit;

/// <summary>
/// Something that happened, as reported by the gateway, the CLI or the admin app. The store gives it a
/// sequence number and chains it. Data values are free text written by us (never secrets, never codes).
/// </summary>
/// <param name="Type">Dotted lowercase name, e.g. "auth.failure"; see <see cref="AuditEventTypes"/>.</param>
public sealed partial record AuditEvent(string Type, AuditSeverity Severity = AuditSeverity.Info)
{
    /// <summary>Values longer than this are cut, since some (client version strings) come from the network.</summary>
    public const int MaxValueLength = 2048;

    /// <summary>More data entries than this is a programming error, rejected by <see cref="Validate"/>.</summary>
    public const int MaxDataEntries = 64;

    /// <summary>When it happened; null means "now", stamped by <see cref="AuditTrail"/> or the store.</summary>
    public DateTimeOffset? Timestamp { get; init; }

    public string? SessionId { get; init; }

    public string? User { get; init; }

    /// <summary>Client address, e.g. "203.0.113.7:51514".</summary>
    public string? SourceAddress { get; init; }

    public IReadOnlyDictionary<string, string> Data { get; init; } = new Dictionary<string, string>();

    /// <summary>Throws <see cref="ArgumentException"/> for a malformed type or too many data entries.</summary>
    public void Validate()
    {
        if (Type is null || Type.Length > 64 || !TypeRegex().IsMatch(Type))
        {
            throw new ArgumentException($"audit event type \"{Type}\" is not valid; use dotted lowercase words like auth.failure", nameof(Type));
        }
        if (!Enum.IsDefined(Severity))
        {
            throw new ArgumentException($"audit severity {Severity} is not defined", nameof(Severity));
        }
        if (Data is null || Data.Count > MaxDataEntries)
        {
            throw new ArgumentException($"audit event {Type} has no data dictionary or more than {MaxDataEntries} entries", nameof(Data));
        }
    }

    /// <summary>
    /// A copy with over-long strings cut to <see cref="MaxValueLength"/>; network-supplied text must not
    /// be able to bloat the trail. U+0000 (valid in SSH's UTF-8 strings, e.g. a hostile user name) becomes U+FFFD:
    /// PostgreSQL text cannot hold it, and both stores must keep the same event.
    /// </summary>
    internal AuditEvent Normalized()
    {
        if (Data.All(kv => kv.Key.Length <= 128 && Cut(kv.Key) == kv.Key && Cut(kv.Value) == kv.Value)
            && Cut(SessionId) == SessionId && Cut(User) == User && Cut(SourceAddress) == SourceAddress)
        {
            return this;
        }
        var data = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in Data)
        {
            data[Cut(key.Length <= 128 ? key : key[..128])!] = Cut(value)!;
        }
        return this with { Data = data, SessionId = Cut(SessionId), User = Cut(User), SourceAddress = Cut(SourceAddress) };
    }

    private static string? Cut(string? value)
    {
        if (value is null)
        {
            return null;
        }
        var cut = value.Length <= MaxValueLength ? value : value[..MaxValueLength] + "…[truncated]";
        return cut.Contains('\0', StringComparison.Ordinal) ? cut.Replace('\0', '\uFFFD') : cut;
    }

    [GeneratedRegex("^[a-z][a-z0-9_-]*(\\.[a-z][a-z0-9_-]*)*$", RegexOptions.CultureInvariant)]
    private static partial Regex TypeRegex();
}
