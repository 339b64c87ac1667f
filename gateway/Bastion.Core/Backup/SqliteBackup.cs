using System.Security.Cryptography;
using Bastion.Core.Audit;
using Bastion.Core.Store;
using Bastion.Core.Store.Sqlite;
using Microsoft.Data.Sqlite;

namespace Bastion.Core.Backup;

/// <summary>What a backup file holds and whether it can be trusted for a restore.</summary>
/// <param name="IntegrityProblems">SQLite's integrity_check findings; empty when every page is sound.</param>
/// <param name="Audit">The copy's own audit chain, verified from its first event to its head.</param>
public sealed record SqliteBackupReport(string Path, long Bytes, string Sha256, int SchemaVersion, IReadOnlyList<string> IntegrityProblems, AuditVerification Audit)
{
    /// <summary>Sound pages and an unbroken chain: restorable as it is.</summary>
    public bool Ok => IntegrityProblems.Count == 0 && Audit.Ok;
}

/// <summary>
/// bastion backup: a consistent copy of a live SQLite store, written beside its final name and renamed only once
/// SQLite has checked it, so a half-written or torn file never carries a backup's name.
/// </summary>
public static class SqliteBackup
{
    /// <summary>
    /// Writes <paramref name="destination"/> (mode 0600: it holds password-equivalent data) and checks the copy.
    /// A copy whose pages are damaged is deleted and reported; one whose audit chain is broken is kept, since it
    /// is a faithful copy of a broken original and may be the evidence.
    /// </summary>
    public static async Task<SqliteBackupReport> CreateAsync(SqliteStore source, string destination, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        var final = Path.GetFullPath(destination);
        if (string.Equals(final, source.DatabasePath, StringComparison.Ordinal))
        {
            throw new InvalidEntityException($"{final} is the live database itself; give the backup another path");
        }
        if (File.Exists(final))
        {
            throw new StoreConflictException($"{final} already exists; a backup never overwrites a file (choose a new name, e.g. with the date in it)");
        }
        var directory = Path.GetDirectoryName(final)!;
        if (!Directory.Exists(directory))
        {
            throw new InvalidEntityException($"the directory {directory} does not exist; create it first (readable by the service user only)");
        }

        // Our own name for the file in progress: a leftover of an interrupted run is overwritten, nothing else is.
        var partial = final + ".partial";
        CreatePrivateFile(partial);
        try
        {
            await source.BackupToAsync(partial, ct).ConfigureAwait(false);
            var report = await CheckAsync(partial, ct).ConfigureAwait(false);
            if (report.IntegrityProblems.Count > 0)
            {
                File.Delete(partial);
                return report with { Path = final };
            }
            await using (var written = new FileStream(partial, FileMode.Open, FileAccess.ReadWrite))
            {
                written.Flush(flushToDisk: true);
            }
            File.Move(partial, final, overwrite: false);
            return report with { Path = final };
        }
        catch
        {
            File.Delete(partial);
            throw;
        }
    }

    /// <summary>Checks a backup file without changing it: pages, schema version, audit chain, size and SHA-256.</summary>
    public static async Task<SqliteBackupReport> CheckAsync(string path, CancellationToken ct = default)
    {
        var full = Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            throw new EntityNotFoundException($"no backup file at {full}");
        }
        var store = new SqliteStore(new SqliteStoreOptions(full) { ReadOnly = true, Pooling = false });
        try
        {
            var version = await store.GetSchemaVersionAsync(ct).ConfigureAwait(false);
            if (version == 0)
            {
                throw new InvalidDataException($"{full} is an SQLite file but not a Bastion database (no schema_migrations table)");
            }
            var problems = await store.CheckIntegrityAsync(ct).ConfigureAwait(false);
            var audit = problems.Count == 0
                ? await AuditChainVerifier.VerifyAsync(store, ct).ConfigureAwait(false)
                : new AuditVerification(false, 0, null, "not checked: the file is damaged");
            var (bytes, sha256) = await HashAsync(full, ct).ConfigureAwait(false);
            return new SqliteBackupReport(full, bytes, sha256, version, problems, audit);
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode is 26 /* SQLITE_NOTADB */ or 11 /* SQLITE_CORRUPT */)
        {
            throw new InvalidDataException($"{full} is not a usable SQLite database: {ex.Message}", ex);
        }
        finally
        {
            store.Dispose();
        }
    }

    private static void CreatePrivateFile(string path)
    {
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        using (new FileStream(path, options))
        {
        }
        if (!OperatingSystem.IsWindows())
        {
            // A leftover .partial keeps the mode it was created with; this one must be private whatever it was.
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    private static async Task<(long Bytes, string Sha256)> HashAsync(string path, CancellationToken ct)
    {
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        var hash = await SHA256.HashDataAsync(file, ct).ConfigureAwait(false);
        return (file.Length, Convert.ToHexStringLower(hash));
    }
}
