using Bastion.Core.Store.Sql;
using Microsoft.Data.Sqlite;

namespace Bastion.Core.Store.Sqlite;

public sealed partial class SqliteStore
{
    /// <summary>
    /// Copies the database page by page into <paramref name="destinationPath"/> (SQLite's online backup) while
    /// gateways keep writing: in WAL mode the copy reads one consistent snapshot and blocks no writer. Copying the
    /// file with cp instead can catch it between a write to the WAL and the checkpoint, and lose or tear both.
    /// </summary>
    public async Task BackupToAsync(string destinationPath, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(destinationPath);
        await using var source = (SqliteConnection)await OpenSharedConnectionAsync(ct).ConfigureAwait(false);
        var target = new SqliteConnectionStringBuilder { DataSource = destinationPath, Mode = SqliteOpenMode.ReadWrite, Pooling = false }.ToString();
        await using var destination = new SqliteConnection(target);
        await destination.OpenAsync(ct).ConfigureAwait(false);
        // The backup API has no asynchronous form; a CLI verb may spend a thread on it.
        await Task.Run(() => source.BackupDatabase(destination), ct).ConfigureAwait(false);
        // A copy left in WAL mode is only whole together with its -wal file; a backup should be one file.
        await destination.RunAsync("PRAGMA journal_mode = DELETE;", null, null, ct).ConfigureAwait(false);
    }

    /// <summary>SQLite's own check of every page and index: empty when the file is sound, else what is wrong.</summary>
    public async Task<IReadOnlyList<string>> CheckIntegrityAsync(CancellationToken ct = default)
    {
        await using var connection = await OpenSharedConnectionAsync(ct).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA integrity_check(20);";
        var problems = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            var line = reader.GetString(0);
            if (!string.Equals(line, "ok", StringComparison.Ordinal))
            {
                problems.Add(line);
            }
        }
        return problems;
    }
}
