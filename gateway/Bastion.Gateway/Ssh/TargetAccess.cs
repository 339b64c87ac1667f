using System.Globalization;
using Bastion.Core.Audit;
using Bastion.Core.Inventory;
using Bastion.Core.Policy;
using Bastion.Gateway.Hosting;
using Bastion.Ssh.Messages;

namespace Bastion.Gateway.Ssh;

/// <summary>
/// The checks every way to a target goes through (forwarded or recorded): resolve the name through the inventory,
/// allow only SSH, apply the access rules. A refusal is audited as channel.denied and carries the sentence the user sees.
/// </summary>
public sealed class TargetAccess
{
    private const int SshPort = 22;

    /// <summary>The mode of ProxyJump channels (the other is "recorded").</summary>
    public const string ForwardedMode = "forwarded";

    private readonly GatewayContext _context;
    private readonly ConnectionState _state;

    public TargetAccess(GatewayContext context, ConnectionState state)
    {
        _context = context;
        _state = state;
    }

    public async ValueTask<TargetAccessResult> CheckAsync(string host, uint port, string mode, CancellationToken cancellationToken)
    {
        var user = _state.User ?? throw new InvalidOperationException("target requested before authentication");
        var requested = $"{host}:{port}";
        var resolution = await _context.Inventory.ResolveAsync(host, cancellationToken).ConfigureAwait(false);
        if (resolution.Target is not { } target)
        {
            var error = resolution.Error ?? $"no target named \"{host}\"";
            await DeniedAsync(requested, null, mode, "unknown target", error).ConfigureAwait(false);
            return TargetAccessResult.Refused(ChannelOpenFailureReason.ConnectFailed, $"Bastion: {error}");
        }
        if (port != SshPort && port != target.Port)
        {
            var error = $"only SSH is forwarded; connect to {target.Name} on port 22 (asked for port {port})";
            await DeniedAsync(requested, target, mode, "port not allowed", error).ConfigureAwait(false);
            return TargetAccessResult.Refused(ChannelOpenFailureReason.AdministrativelyProhibited, $"Bastion: {error}");
        }
        var policy = await AccessPolicy.LoadAsync(_context.Store, cancellationToken).ConfigureAwait(false);
        var decision = policy.Evaluate(user, target);
        if (!decision.Allowed)
        {
            await DeniedAsync(requested, target, mode, decision.Reason, decision.Reason).ConfigureAwait(false);
            return TargetAccessResult.Refused(ChannelOpenFailureReason.AdministrativelyProhibited,
                $"Bastion: {user.Name} may not reach {target.Name}: {decision.Reason}. Run \"ssh <bastion>\" to list the targets you may reach.");
        }
        if (mode == ForwardedMode && _context.Options.Recording.IsRequiredFor(target.Tags))
        {
            var error = $"{target.Name} may only be reached in a recorded session: ssh -t <bastion> [USER@]{target.Name}";
            await DeniedAsync(requested, target, mode, "recording required", error).ConfigureAwait(false);
            return TargetAccessResult.Refused(ChannelOpenFailureReason.AdministrativelyProhibited, $"Bastion: {error}");
        }
        return new TargetAccessResult(target, decision, requested, default, null);
    }

    /// <summary>Audits a refusal that came after the checks passed (the target did not answer, or refused the gateway's login).</summary>
    public ValueTask DeniedAsync(string requested, ResolvedTarget? target, string mode, string reason, string message)
    {
        var details = Describe(requested, target, mode);
        details["reason"] = reason;
        details["message"] = message;
        return _context.Audit.AppendAsync(_state.Event(AuditEventTypes.ChannelDenied, AuditSeverity.Warning, details));
    }

    /// <summary>The audit fields that say which target was asked for and what it resolved to.</summary>
    public Dictionary<string, string> Describe(string requested, ResolvedTarget? target, string mode)
    {
        var details = new Dictionary<string, string> { ["requested"] = requested, ["mode"] = mode };
        if (target is not null)
        {
            details["target"] = target.Name;
            details["address"] = $"{target.Host}:{target.Port}";
            details["source"] = target.Source;
            if (target.Account is not null)
            {
                details["account"] = target.Account;
            }
            if (target.Instance is { } instance)
            {
                details["instance_id"] = instance.InstanceId;
                details["account_id"] = instance.AccountId;
                details["account_alias"] = instance.AccountAlias;
                details["region"] = instance.Region;
                details["vpc"] = instance.VpcId ?? "";
                details["instance_state"] = instance.State;
                if (instance.DataAsOf is { } asOf)
                {
                    var age = _context.Time.GetUtcNow() - asOf;
                    details["snapshot_age_s"] = Math.Max(0, (long)age.TotalSeconds).ToString(CultureInfo.InvariantCulture);
                }
            }
        }
        return details;
    }
}

/// <summary>Either an allowed, resolved target or the reason and sentence of a refusal.</summary>
public sealed record TargetAccessResult(ResolvedTarget? Target, AccessDecision? Decision, string Requested, ChannelOpenFailureReason FailureReason, string? Refusal)
{
    public static TargetAccessResult Refused(ChannelOpenFailureReason reason, string message) => new(null, null, "", reason, message);
}
