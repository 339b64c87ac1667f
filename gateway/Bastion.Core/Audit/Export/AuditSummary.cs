using System.Net;
using System.Text;

namespace Bastion.Core.Audit.Export;

/// <summary>The human-readable one-liner of a record ("auth.success alice from 127.0.0.1") and its parsed source.</summary>
internal static class AuditSummary
{
    public static string ShortMessage(AuditRecord record)
    {
        var text = new StringBuilder(record.Type);
        if (!string.IsNullOrEmpty(record.User))
        {
            text.Append(' ').Append(record.User);
        }
        var (address, _) = Source(record);
        if (address is not null)
        {
            text.Append(" from ").Append(address);
        }
        if (record.Data.TryGetValue("target", out var target) && !string.IsNullOrEmpty(target))
        {
            text.Append(" to ").Append(target);
        }
        return text.ToString();
    }

    /// <summary>"203.0.113.7:51514" or "[::1]:51514" as address text and port; unparsable text is kept whole as the address.</summary>
    public static (string? Address, int? Port) Source(AuditRecord record)
    {
        if (string.IsNullOrEmpty(record.SourceAddress))
        {
            return (null, null);
        }
        if (IPEndPoint.TryParse(record.SourceAddress, out var endpoint) && endpoint.Port != 0)
        {
            return (endpoint.Address.ToString(), endpoint.Port);
        }
        return IPAddress.TryParse(record.SourceAddress, out var address) ? (address.ToString(), null) : (record.SourceAddress, null);
    }
}
