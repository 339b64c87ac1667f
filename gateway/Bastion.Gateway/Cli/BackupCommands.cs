using System.CommandLine;
using System.Globalization;
using Bastion.Core.Audit;
using Bastion.Core.Backup;
using Bastion.Core.Store.Sqlite;
using Bastion.Hosting.Configuration;
using Bastion.Gateway.Hosting;

namespace Bastion.Gateway.Cli;

/// <summary>
/// bastion backup create|check — a consistent copy of the SQLite store taken while gateways run, and a check of a
/// copy before it is trusted for a restore. PostgreSQL has pg_dump for this.
/// </summary>
public static class BackupCommands
{
    public static Command Build(Option<string?> data)
    {
        var command = new Command("backup", "Copy the SQLite store while the gateway runs, or check a copy before restoring it");

        var createPath = new Argument<string>("FILE") { Description = "Where to write the copy; never overwritten" };
        var create = new Command("create", "Write a consistent copy (SQLite online backup), check it, audit it; exit 1 if the copy's audit chain is broken") { createPath };
        create.SetAction((parse, ct) =>
        {
            var options = BastionConfiguration.Bind(BastionConfiguration.Build(parse.GetValue(data), new Dictionary<string, string?>(), []));
            if (options.Store.IsPostgres)
            {
                Console.Error.WriteLine("bastion: the store is PostgreSQL; back it up with pg_dump --format=custom (see README, \"Backups\")");
                return Task.FromResult(ExitCodes.Usage);
            }
            var paths = BastionPaths.From(options);
            if (!File.Exists(paths.Database))
            {
                // Opening the store would create an empty one, and its backup would look like a success.
                Console.Error.WriteLine($"bastion: no database at {paths.Database}; give --data the gateway's data directory");
                return Task.FromResult(ExitCodes.NotFound);
            }
            return CliRunner.RunAsync(parse.GetValue(data), async (context, token) =>
            {
                var report = await SqliteBackup.CreateAsync((SqliteStore)context.Store, parse.GetValue(createPath)!, token);
                Print(report);
                if (report.IntegrityProblems.Count > 0)
                {
                    Console.WriteLine("the copy was damaged and has been deleted; check the disk, then run bastion backup create again");
                    return ExitCodes.Failed;
                }
                await context.Audit.AppendNowAsync(new AuditEvent(AuditEventTypes.StoreBackedUp, AuditSeverity.Notice)
                {
                    User = CliRunner.Actor,
                    Data = new Dictionary<string, string>
                    {
                        ["actor"] = CliRunner.Actor,
                        ["path"] = report.Path,
                        ["sha256"] = report.Sha256,
                        ["bytes"] = report.Bytes.ToString(CultureInfo.InvariantCulture),
                        ["audit_last_seq"] = report.Audit.EventsChecked.ToString(CultureInfo.InvariantCulture),
                    },
                }, token);
                Console.WriteLine($"not in the copy, and needed for a restore: {context.Paths.SecretKey} (it decrypts the TOTP secrets; without it every user enrols TOTP again) " +
                    $"and the host key{(context.Paths.HostKeys.Count == 1 ? "" : "s")} {string.Join(", ", context.Paths.HostKeys)}; keep them apart from database copies");
                return report.Ok ? ExitCodes.Ok : ExitCodes.Failed;
            }, ct);
        });

        var checkPath = new Argument<string>("FILE") { Description = "A copy written by bastion backup create" };
        var check = new Command("check", "Check a copy without changing it: SQLite pages, schema version, audit chain, SHA-256 against the live trail's store.backup events; exit 1 if it is not restorable as it is") { checkPath };
        check.SetAction(async (parse, ct) =>
        {
            try
            {
                var report = await SqliteBackup.CheckAsync(parse.GetValue(checkPath)!, ct);
                Print(report);
                var known = await PrintProvenanceAsync(parse.GetValue(data), report, ct);
                return report.Ok && known != false ? ExitCodes.Ok : ExitCodes.Failed;
            }
            catch (Exception ex) when (KnownFailures.Describe(ex) is { } failure)
            {
                Console.Error.WriteLine($"bastion: {failure.Message}");
                return failure.Code;
            }
        });

        command.Add(create);
        command.Add(check);
        return command;
    }

    /// <summary>
    /// Which store.backup event of the live trail wrote this very file (same SHA-256), when the live SQLite store is
    /// at hand: a copy no event names was not written by bastion backup, or was changed since (false). Null when there
    /// is no live SQLite store to ask (a restore on a new machine).
    /// </summary>
    private static async Task<bool?> PrintProvenanceAsync(string? dataDirectory, SqliteBackupReport report, CancellationToken ct)
    {
        var options = BastionConfiguration.Bind(BastionConfiguration.Build(dataDirectory, new Dictionary<string, string?>(), []));
        var live = BastionPaths.From(options).Database;
        if (options.Store.IsPostgres || !File.Exists(live) || string.Equals(live, report.Path, StringComparison.Ordinal))
        {
            return null;
        }
        // Read-only, no migration: looking must not change the live database.
        using var store = new SqliteStore(new SqliteStoreOptions(live) { ReadOnly = true, Pooling = false });
        var query = new AuditQuery { Type = AuditEventTypes.StoreBackedUp, Limit = 1000 };
        while (true)
        {
            var page = await store.QueryAuditEventsAsync(query, ct);
            if (page.Events.FirstOrDefault(e => e.Data.GetValueOrDefault("sha256") == report.Sha256) is { } written)
            {
                Console.WriteLine($"provenance: written by {Bastion.Core.Security.TerminalText.Visible(written.User)} at {written.Timestamp:yyyy-MM-dd HH:mm:ss} UTC, audit event #{written.Seq} in {live}");
                return true;
            }
            if (page.NextBeforeSeq is not { } next)
            {
                Console.WriteLine($"provenance: NONE: no store.backup event in {live} has this SHA-256: not written by bastion backup on this installation, or changed since");
                return false;
            }
            query = query with { BeforeSeq = next };
        }
    }

    private static void Print(SqliteBackupReport report)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{report.Path}: {report.Bytes / 1024.0 / 1024.0:0.0} MiB, sha256 {report.Sha256}, schema version {report.SchemaVersion}"));
        Console.WriteLine(report.IntegrityProblems.Count == 0
            ? "pages: ok (SQLite integrity_check)"
            : $"pages: DAMAGED: {string.Join("; ", report.IntegrityProblems)}");
        if (report.IntegrityProblems.Count == 0)
        {
            Console.WriteLine(report.Audit.Ok
                ? $"audit chain OK: {report.Audit.EventsChecked} events verified"
                : $"audit chain BROKEN at event {report.Audit.FirstBrokenSeq}: {report.Audit.Problem} ({report.Audit.EventsChecked} events checked)");
        }
    }
}
