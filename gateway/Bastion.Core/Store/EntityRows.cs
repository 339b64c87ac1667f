using System.Data.Common;
using System.Text.Json;

namespace Bastion.Core.Store;

/// <summary>
/// Rows to records for both stores. The columns come back in the same order and types on SQLite and PostgreSQL
/// (JSON maps selected as text, booleans readable as such), except how a time is read — fixed-width text on
/// SQLite, timestamptz on PostgreSQL — so the store passes its reader in, as for <see cref="RecordingRows"/>.
/// </summary>
internal static class EntityRows
{
    /// <summary>Reads "id, name, disabled, mfa_policy, is_automation, created_at".</summary>
    public static User User(DbDataReader reader, Func<DbDataReader, int, DateTimeOffset> readTime, IReadOnlyList<string> groups) => new(
        Id: reader.GetInt64(0),
        Name: reader.GetString(1),
        Disabled: reader.GetBoolean(2),
        Groups: groups,
        MfaPolicy: reader.GetString(3),
        IsAutomation: reader.GetBoolean(4),
        CreatedAt: readTime(reader, 5));

    /// <summary>Reads "id, user_id, public_key, key_type, fingerprint, comment, options, created_at, last_used_at, sk_counter, added_by, added_by_admin".</summary>
    public static SshKey SshKey(DbDataReader reader, Func<DbDataReader, int, DateTimeOffset> readTime) => new(
        Id: reader.GetInt64(0),
        UserId: reader.GetInt64(1),
        PublicKeyBlob: reader.GetFieldValue<byte[]>(2),
        KeyType: reader.GetString(3),
        Fingerprint: reader.GetString(4),
        Comment: reader.GetString(5),
        Options: reader.GetString(6),
        CreatedAt: readTime(reader, 7),
        LastUsedAt: reader.IsDBNull(8) ? null : readTime(reader, 8),
        SecurityKeyCounter: reader.IsDBNull(9) ? null : reader.GetInt64(9),
        AddedBy: reader.IsDBNull(10) ? null : reader.GetString(10),
        AddedByAdmin: reader.GetBoolean(11));

    /// <summary>Reads "id, subject, target_pattern, required_tags (as text), effect, description, created_at".</summary>
    public static AccessRule AccessRule(DbDataReader reader, Func<DbDataReader, int, DateTimeOffset> readTime) => new(
        Id: reader.GetInt64(0),
        Subject: reader.GetString(1),
        TargetPattern: reader.GetString(2),
        RequiredTags: JsonMap(reader, 3),
        Effect: reader.GetString(4) == "deny" ? AccessEffect.Deny : AccessEffect.Allow,
        Description: reader.IsDBNull(5) ? null : reader.GetString(5),
        CreatedAt: readTime(reader, 6));

    /// <summary>Reads "id, name, host, port, account, tags (as text), created_at".</summary>
    public static Target Target(DbDataReader reader, Func<DbDataReader, int, DateTimeOffset> readTime) => new(
        Id: reader.GetInt64(0),
        Name: reader.GetString(1),
        Host: reader.GetString(2),
        Port: reader.GetInt32(3),
        Account: reader.IsDBNull(4) ? null : reader.GetString(4),
        Tags: JsonMap(reader, 5),
        CreatedAt: readTime(reader, 6));

    /// <summary>Reads "id, user_id, credential_id, public_key, sign_count, nickname, attestation_format, aaguid, transports, created_at, last_used_at".</summary>
    public static WebAuthnCredential WebAuthnCredential(DbDataReader reader, Func<DbDataReader, int, DateTimeOffset> readTime) => new(
        reader.GetInt64(0), reader.GetInt64(1), reader.GetFieldValue<byte[]>(2), reader.GetFieldValue<byte[]>(3), reader.GetInt64(4), reader.GetString(5),
        reader.IsDBNull(6) ? null : reader.GetString(6),
        // A uuid column on PostgreSQL, its text on SQLite.
        reader.GetValue(7) is Guid guid ? guid : Guid.Parse(reader.GetString(7)),
        reader.GetString(8), readTime(reader, 9), reader.IsDBNull(10) ? null : readTime(reader, 10));

    private static IReadOnlyDictionary<string, string> JsonMap(DbDataReader reader, int ordinal) =>
        JsonSerializer.Deserialize<Dictionary<string, string>>(reader.GetString(ordinal)) ?? [];
}
