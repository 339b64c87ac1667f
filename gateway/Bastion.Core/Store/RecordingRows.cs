using System.Data.Common;

namespace Bastion.Core.Store;

/// <summary>
/// The recordings and target_host_keys rows as both stores write and read them: column lists, keys and the mapping
/// to <see cref="RecordingInfo"/>. Only how a time is read differs (fixed-width text on SQLite, timestamptz on
/// PostgreSQL), so the store passes its reader in.
/// </summary>
internal static class RecordingRows
{
    /// <summary>What <see cref="Map"/> reads, in order.</summary>
    public const string Columns =
        "id, session_id, node_id, user_name, source_address, target_name, target_address, target_user, command, term_columns, term_rows, started_at, ended_at, bytes, sha256, status";

    public const string InsertColumns =
        "id, session_id, node_id, user_name, source_address, target_name, target_key, target_address, target_user, command, term_columns, term_rows, started_at, bytes, status";

    public const string InsertParameters =
        "@id, @session, @node, @user, @source, @target, @targetKey, @address, @targetUser, @command, @columns, @rows, @started, @bytes, @status";

    /// <summary>What <see cref="MapHostKey"/> reads, in order.</summary>
    public const string HostKeyColumns = "key_type, fingerprint, first_seen_at";

    /// <summary>Target names ignore case here as everywhere: a lowercased column computed by the code, as for targets.</summary>
    public static string TargetKey(string targetName) => targetName.ToLowerInvariant();

    /// <summary>Host keys are pinned per target name or instance id, ignoring case.</summary>
    public static string SubjectKey(string subject) => subject.ToLowerInvariant();

    /// <summary>The values for <see cref="InsertParameters"/>.</summary>
    /// <param name="time">The store's column value for a time (text on SQLite, a UTC DateTimeOffset on PostgreSQL).</param>
    public static IEnumerable<(string Name, object? Value)> InsertValues(RecordingInfo recording, Func<DateTimeOffset, object> time) =>
    [
        ("@id", recording.Id), ("@session", recording.SessionId), ("@node", recording.NodeId), ("@user", recording.UserName),
        ("@source", recording.SourceAddress), ("@target", recording.TargetName), ("@targetKey", TargetKey(recording.TargetName)),
        ("@address", recording.TargetAddress), ("@targetUser", recording.TargetUser), ("@command", recording.Command),
        ("@columns", recording.Columns), ("@rows", recording.Rows), ("@started", time(recording.StartedAt)), ("@bytes", recording.Bytes), ("@status", recording.Status),
    ];

    public static RecordingInfo Map(DbDataReader reader, Func<DbDataReader, int, DateTimeOffset> readTime) => new(
        Id: reader.GetString(0),
        SessionId: reader.GetString(1),
        NodeId: reader.GetString(2),
        UserName: reader.GetString(3),
        SourceAddress: reader.GetString(4),
        TargetName: reader.GetString(5),
        TargetAddress: reader.GetString(6),
        TargetUser: reader.GetString(7),
        Command: reader.IsDBNull(8) ? null : reader.GetString(8),
        Columns: reader.GetInt32(9),
        Rows: reader.GetInt32(10),
        StartedAt: readTime(reader, 11),
        EndedAt: reader.IsDBNull(12) ? null : readTime(reader, 12),
        Bytes: reader.GetInt64(13),
        Sha256: reader.IsDBNull(14) ? null : reader.GetString(14),
        Status: reader.GetString(15));

    public static PinnedHostKey MapHostKey(DbDataReader reader, Func<DbDataReader, int, DateTimeOffset> readTime) =>
        new(reader.GetString(0), reader.GetString(1), readTime(reader, 2));
}
