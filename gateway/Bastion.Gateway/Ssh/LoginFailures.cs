using System.Globalization;
using Bastion.Core.Audit;
using Bastion.Core.Security;
using Bastion.Gateway.Hosting;

namespace Bastion.Gateway.Ssh;

/// <summary>
/// The failed authentication requests of one connection: each is counted in the store's budgets and tallied on the
/// connection; the first of each method is audited as auth.failure, the rest are summed up in the disconnect event; and
/// each lockout a failure starts is audited once, whichever node starts it.
/// </summary>
internal sealed class LoginFailures(BastionContext context, ConnectionState state)
{
    /// <summary>
    /// Counts a request that did not succeed: against the address always, against the user when <paramref name="forUser"/>
    /// (a guess at the account; see <see cref="AuthRateLimiter.RecordFailureAsync"/>). Returns whether the user or address
    /// is now locked out.
    /// </summary>
    /// <param name="keyFields">The key's audit fields, when a key was offered.</param>
    /// <param name="itemize">False when the failure has an audit event of its own already (it is still counted and tallied).</param>
    /// <param name="keyOption">The authorized_keys option that refused the login, when one did (audited with it).</param>
    public async ValueTask<LockoutStatus> CountAsync(string userName, string method, string reason, Dictionary<string, string>? keyFields, bool forUser,
        bool itemize = true, string? keyOption = null)
    {
        var audit = state.AuthFailures.Add(userName, method, reason, AuthFailureReasons.IsKeyProbe(method, reason), itemize);
        var recorded = await context.RateLimiter.RecordFailureAsync(userName, state.RemoteAddress, forUser).ConfigureAwait(false);
        if (audit)
        {
            await AuditAsync(userName, method, reason, keyFields, keyOption).ConfigureAwait(false);
        }
        foreach (var started in recorded.Started)
        {
            await AuditLockoutAsync(userName, started).ConfigureAwait(false);
        }
        return recorded.Status;
    }

    /// <summary>An auth.failure row.</summary>
    public ValueTask AuditAsync(string userName, string method, string reason, Dictionary<string, string>? keyFields, string? keyOption = null)
    {
        var data = keyFields ?? [];
        data["method"] = method;
        data["reason"] = reason;
        if (keyOption is not null)
        {
            data["key_option"] = keyOption;
        }
        return context.Audit.AppendAsync(state.Event(AuditEventTypes.AuthFailure, AuditSeverity.Warning, data, userName));
    }

    private ValueTask AuditLockoutAsync(string userName, LockoutStatus lockout) =>
        context.Audit.AppendAsync(state.Event(AuditEventTypes.AuthLockout, AuditSeverity.Warning, new Dictionary<string, string>
        {
            ["reason"] = lockout.Reason ?? "too many failures",
            ["subject"] = lockout.Kind ?? "",
            [lockout.Kind == "address" ? "address" : "locked_user"] = lockout.Subject ?? "",
            ["lockout_number"] = lockout.Number.ToString(CultureInfo.InvariantCulture),
            ["locked_for_seconds"] = ((long)Math.Ceiling(lockout.RetryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture),
        }, userName));
}
