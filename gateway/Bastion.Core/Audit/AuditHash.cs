using System.Security.Cryptography;
using Bastion.Ssh.Wire;

namespace Bastion.Core.Audit;

/// <summary>
/// Computes the chain hash of an audit record: SHA-256 over a canonical binary serialization that cannot be
/// ambiguous. Every field is length-prefixed (SSH wire "string"), nullable fields carry a presence byte
/// (so null and "" differ), data entries are sorted by ordinal key order, and a version label comes first.
/// <code>
/// string "bastion-audit-v1" | uint64 seq | string timestamp | string type | string severity
/// | opt-string session | opt-string user | opt-string source | uint32 n | n × (string key, string value)
/// | string prev_hash
/// </code>
/// </summary>
public static class AuditHash
{
    /// <summary>Size in bytes of every hash in the chain.</summary>
    public const int Size = 32;

    private const string Label = "bastion-audit-v1";

    /// <summary>The "previous hash" of the first event: 32 zero bytes.</summary>
    public static ReadOnlySpan<byte> Genesis => new byte[Size];

    /// <summary>The hash <paramref name="record"/> should have, ignoring its stored <see cref="AuditRecord.Hash"/>.</summary>
    public static byte[] Compute(AuditRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return Compute(record.Seq, record.Timestamp, record.Type, record.Severity, record.SessionId, record.User,
            record.SourceAddress, record.Data, record.PrevHash);
    }

    /// <summary>The hash of an event at position <paramref name="seq"/> following <paramref name="prevHash"/>.</summary>
    public static byte[] Compute(long seq, DateTimeOffset timestamp, string type, AuditSeverity severity, string? sessionId,
        string? user, string? sourceAddress, IReadOnlyDictionary<string, string> data, ReadOnlySpan<byte> prevHash)
    {
        ArgumentNullException.ThrowIfNull(type);
        ArgumentNullException.ThrowIfNull(data);
        using var writer = new SshWriter(512);
        writer.WriteString(Label);
        writer.WriteUInt64((ulong)seq);
        writer.WriteString(AuditTimestamp.ToText(timestamp));
        writer.WriteString(type);
        writer.WriteString(severity.ToText());
        WriteOptional(writer, sessionId);
        WriteOptional(writer, user);
        WriteOptional(writer, sourceAddress);
        writer.WriteUInt32((uint)data.Count);
        foreach (var (key, value) in data.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            writer.WriteString(key);
            writer.WriteString(value);
        }
        writer.WriteString(prevHash);
        return SHA256.HashData(writer.WrittenSpan);
    }

    private static void WriteOptional(SshWriter writer, string? value)
    {
        writer.WriteBoolean(value is not null);
        if (value is not null)
        {
            writer.WriteString(value);
        }
    }
}
