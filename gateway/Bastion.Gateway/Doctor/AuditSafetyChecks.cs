using System.Globalization;
using Bastion.Core.Audit;
using Bastion.Core.Audit.Export;
using Bastion.Gateway.Hosting;

namespace Bastion.Gateway.Doctor;

/// <summary>
/// Whether the audit trail would survive the loss or rewrite of this node's database: a copy shipped elsewhere as
/// events happen, and a recent backup (SQLite; PostgreSQL backups are the database team's pg_dump).
/// </summary>
public static class AuditSafetyChecks
{
    /// <summary>A backup older than this is worth a warning; a week of audit events is a lot to lose.</summary>
    public static readonly TimeSpan BackupWarnAfter = TimeSpan.FromDays(7);

    public static DoctorFinding Shipping(AuditExportOptions export)
    {
        const string check = "shipping";
        var destinations = new List<string>();
        if (export.Stdout.Enabled)
        {
            destinations.Add("journald (stdout)");
        }
        if (export.Gelf.Enabled)
        {
            destinations.Add($"GELF {export.Gelf.Transport.ToString().ToLowerInvariant()} {export.Gelf.Host}:{export.Gelf.Port}");
        }
        if (export.Syslog.Enabled)
        {
            destinations.Add($"syslog {export.Syslog.Transport.ToString().ToLowerInvariant()} {export.Syslog.Host}:{export.Syslog.Port}");
        }
        return destinations.Count > 0
            ? DoctorFinding.Ok(check, "audit events shipped to " + string.Join(", ", destinations) + "; check the database against them with bastion audit verify --against")
            : DoctorFinding.Warn(check, "audit events stay in the database only: whoever can write it can rewrite the chain with recomputed hashes and no copy would tell. " +
                "Set Bastion:Audit:Export:Stdout:Enabled=true (journald) or Gelf/Syslog (see README, Audit export)");
    }

    public static async Task<DoctorFinding?> BackupAsync(BastionContext context, CancellationToken ct)
    {
        const string check = "backup";
        if (context.Options.Store.IsPostgres)
        {
            return null;
        }
        var command = $"systemctl enable --now bastion-backup.timer (installed by systemd/install.sh), or by hand: bastion --data {context.Paths.DataDirectory} backup create /var/backups/bastion/bastion-$(date +%F).db";
        var last = (await context.Audit.QueryAsync(new AuditQuery { Type = AuditEventTypes.StoreBackedUp, Limit = 1 }, ct).ConfigureAwait(false)).Events.FirstOrDefault();
        if (last is null)
        {
            return DoctorFinding.Warn(check, $"no backup of the database in the audit trail: {command}");
        }
        var age = context.Time.GetUtcNow() - last.Timestamp;
        var path = last.Data.GetValueOrDefault("path", "?");
        var where = File.Exists(path) ? path : $"{path} (no longer there)";
        var when = string.Create(CultureInfo.InvariantCulture, $"last backup {age.TotalDays:0.#} days ago to {where}");
        return age > BackupWarnAfter ? DoctorFinding.Warn(check, $"{when}: {command}") : DoctorFinding.Ok(check, when);
    }
}
