using System.Security.Claims;
using Bastion.Core.Audit;
using Bastion.Hosting;

namespace Bastion.Admin.Security;

/// <summary>
/// Writes admin-app events to the audit trail before the action reports success. Every event names the acting
/// person ("actor", also the event's user) and, for changes, the subject acted upon.
/// </summary>
public sealed class AdminAudit(BastionContext context, IHttpContextAccessor accessor)
{
    public const string Login = "admin.login";
    public const string LoginFailure = "admin.login.failure";
    public const string Logout = "admin.logout";
    public const string LogoutEverywhere = "admin.logout.everywhere";
    public const string StepUp = "admin.stepup";
    public const string StepUpFailure = "admin.stepup.failure";
    public const string InviteCreated = "admin.invite.created";
    public const string InviteRedeemed = "admin.invite.redeemed";
    public const string WebAuthnAdded = "admin.webauthn.added";
    public const string WebAuthnRemoved = "admin.webauthn.removed";
    public const string WebAuthnCounterRegression = "admin.webauthn.counter_regression";

    public Task<AuditRecord> WriteAsync(string type, string? subject, Dictionary<string, string>? data = null, AuditSeverity severity = AuditSeverity.Notice, string? actor = null)
    {
        var http = accessor.HttpContext;
        var values = data ?? [];
        actor ??= http?.User.FindFirstValue(ClaimTypes.Name);
        if (actor is not null)
        {
            values["actor"] = actor;
        }
        if (subject is not null)
        {
            values["subject"] = subject;
        }
        values["via"] = "web";
        var address = http?.Connection.RemoteIpAddress is { } ip ? $"{ip}:{http.Connection.RemotePort}" : null;
        return context.Audit.AppendNowAsync(new AuditEvent(type, severity) { User = actor ?? subject, SourceAddress = address, Data = values }, http?.RequestAborted ?? default);
    }
}
