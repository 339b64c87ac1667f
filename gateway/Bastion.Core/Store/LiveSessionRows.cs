using System.Data.Common;

namespace Bastion.Core.Store;

/// <summary>The live_sessions row as both stores read it; only how a time is read differs, so the store passes its reader in.</summary>
internal static class LiveSessionRows
{
    /// <summary>What <see cref="Map"/> reads, in order.</summary>
    public const string Columns =
        "channel_id, session_id, node_id, user_name, source_address, target_name, target_address, instance_id, account, started_at, bytes_from_client, bytes_to_client, updated_at";

    public static LiveSession Map(DbDataReader reader, Func<DbDataReader, int, DateTimeOffset> readTime) => new(
        reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetString(5),
        reader.GetString(6), reader.IsDBNull(7) ? null : reader.GetString(7), reader.IsDBNull(8) ? null : reader.GetString(8),
        readTime(reader, 9), reader.GetInt64(10), reader.GetInt64(11), readTime(reader, 12));
}
