using Bastion.Core.Audit;

namespace Bastion.Core.Alerts;

/// <summary>
/// Every lockout of a user is an alert: the first may be a person mistyping codes, but each further one in a row doubles
/// and says someone keeps trying. Address lockouts are left to the failure-burst alert (an office behind one address
/// should not page anyone for a misconfigured script).
/// </summary>
internal sealed class UserLockoutRule : IAnomalyRule
{
    public bool Handles(string type) => type == AuditEventTypes.AuthLockout;

    public Task<AuditEvent?> EvaluateAsync(AuditRecord record, CancellationToken ct)
    {
        if (record.Data.GetValueOrDefault("subject") != "user")
        {
            return Task.FromResult<AuditEvent?>(null);
        }
        var who = record.Data.GetValueOrDefault("locked_user") ?? record.User ?? "?";
        var number = record.Data.GetValueOrDefault("lockout_number", "1");
        var seconds = long.TryParse(record.Data.GetValueOrDefault("locked_for_seconds"), out var s) ? s : 0;
        var length = seconds >= 7200 ? $"{seconds / 3600.0:0.#} h" : $"{Math.Ceiling(seconds / 60.0):0} min";
        var host = SourceNetwork.TryParseHost(record.SourceAddress, out var address) ? address.ToString() : "?";
        var repeat = number == "1" ? "" : $" (lockout {number} in a row: someone keeps guessing)";
        return Task.FromResult<AuditEvent?>(AlertEvent.For(record, AlertTypes.UserLockedOut, AuditSeverity.Warning,
            $"{who} is locked out for {length} after failed logins, the last from {host}{repeat}; if it was not them, rotate their key and TOTP",
            ("locked_user", who),
            ("lockout_number", number),
            ("locked_for_seconds", AlertEvent.Text(seconds))));
    }
}
