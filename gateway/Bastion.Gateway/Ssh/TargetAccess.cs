using System.Globalization;
using Bastion.Core.Audit;
using Bastion.Core.Inventory;
using Bastion.Core.Policy;
using Bastion.Gateway.Hosting;
using Bastion.Ssh.Messages;

namespace Bastion.Gateway.Ssh;

/// <summary>
/// The checks every way to a target goes through (forwarded or recorded): resolve the name through the inventory,
/// allow only SSH, apply the access rules. A refusal is audited as channel.denied and carries the sentence the user sees;
/// an accepted channel's open and close are audited, and it is listed among the connection's channels, the same way.
/// </summary>
public sealed class TargetAccess
{
    private const int SshPort = 22;

    /// <summary>The mode of ProxyJump channels (the other is "recorded").</summary>
    public const string ForwardedMode = "forwarded";

    private readonly BastionContext _context;
    private readonly ConnectionState _state;

    public TargetAccess(BastionContext context, ConnectionState state)
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
        // permitopen= limits the targets of this key whichever way it reaches them, forwarded or recorded.
        if (_state.KeyRestrictions?.OpenRefusal(host, (int)port, target.Name, target.Host, target.Port) is { } keyRefusal)
        {
            var error = $"{keyRefusal.Reason}; this key may only reach the targets its permitopen= names. Ask a Bastion administrator if it should reach {target.Name}";
            await DeniedAsync(requested, target, mode, keyRefusal.Reason, error, keyRefusal.Option).ConfigureAwait(false);
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

    /// <summary>
    /// Audits a refusal as channel.denied: the checks' own, or one that came after they passed (the target did not answer,
    /// or refused the gateway's login). <paramref name="keyOption"/> names the authorized_keys option that refused, if one did.
    /// </summary>
    /// <summary>
    /// The gateway's connection to the target is a descriptor like the client's, whichever way it goes (forwarded or
    /// recorded): a lease on it (null without a budget), or — at the process's open-file limit — the refusal, audited
    /// as channel.denied and counted, while the connections already open carry on.
    /// </summary>
    public async ValueTask<(Bastion.Ssh.Resources.DescriptorLease? Lease, string? Refusal)> TakeDescriptorAsync(
        Bastion.Ssh.Resources.DescriptorBudget? budget, string requested, ResolvedTarget target, string mode, Observability.GatewayMetrics? metrics)
    {
        if (budget is null)
        {
            return (null, null);
        }
        if (budget.TryTake() is { } lease)
        {
            return (lease, null);
        }
        var error = $"the gateway is at its open-file limit and cannot open another connection to {target.Name} now; try again in a minute";
        metrics?.ChannelRefusedAtDescriptorLimit();
        await DeniedAsync(requested, target, mode, "open-file limit", error).ConfigureAwait(false);
        return (null, $"Bastion: {error}");
    }

    public ValueTask DeniedAsync(string requested, ResolvedTarget? target, string mode, string reason, string message, string? keyOption = null)
    {
        var details = Describe(requested, target, mode);
        details["reason"] = reason;
        details["message"] = message;
        if (keyOption is not null)
        {
            details["key_option"] = keyOption;
        }
        return _context.Audit.AppendAsync(_state.Event(AuditEventTypes.ChannelDenied, AuditSeverity.Warning, details));
    }

    /// <summary>The id a channel to a target goes by in the audit trail and the live view.</summary>
    public static string NewChannelId() => Guid.NewGuid().ToString("n")[..12];

    /// <summary>
    /// Audits channel.open for an allowed target (<paramref name="extra"/> adds the mode's own fields) and lists the
    /// channel among the connection's, for the live view and kills. Publishing the live row is the caller's.
    /// </summary>
    public async ValueTask<LiveChannel> OpenedAsync(TargetAccessResult access, string mode, string channelId, DateTimeOffset startedAt,
        IReadOnlyDictionary<string, string>? extra, CancellationToken cancellationToken)
    {
        var target = access.Target ?? throw new InvalidOperationException("only an allowed target has a channel");
        var details = Describe(access.Requested, target, mode);
        details["channel"] = channelId;
        details["decision"] = access.Decision!.Reason;
        foreach (var (key, value) in extra ?? new Dictionary<string, string>())
        {
            details[key] = value;
        }
        await _context.Audit.AppendAsync(_state.Event(AuditEventTypes.ChannelOpen, AuditSeverity.Info, details), cancellationToken).ConfigureAwait(false);
        var live = new LiveChannel(channelId, target, startedAt);
        _state.Channels[channelId] = live;
        return live;
    }

    /// <summary>
    /// The channel ended: off the connection's list and the live view (advisory: a store hiccup does not stop the
    /// audit), then channel.close with bytes, duration and why (<paramref name="extra"/> adds the mode's own fields).
    /// </summary>
    public async ValueTask ClosedAsync(LiveChannel live, long bytesFromClient, long bytesToClient, TimeSpan duration, string reason,
        IReadOnlyDictionary<string, string>? extra = null)
    {
        _state.Channels.TryRemove(live.ChannelId, out _);
        try
        {
            await _context.Store.RemoveLiveSessionAsync(live.ChannelId).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The live view is advisory; the audit event below is what counts.
        }
        var details = new Dictionary<string, string>
        {
            ["channel"] = live.ChannelId,
            ["target"] = live.Target.Name,
            ["address"] = $"{live.Target.Host}:{live.Target.Port}",
            ["bytes_from_client"] = bytesFromClient.ToString(CultureInfo.InvariantCulture),
            ["bytes_to_client"] = bytesToClient.ToString(CultureInfo.InvariantCulture),
            ["duration_ms"] = ((long)duration.TotalMilliseconds).ToString(CultureInfo.InvariantCulture),
            ["reason"] = reason,
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string>())
        {
            details[key] = value;
        }
        await _context.Audit.AppendAsync(_state.Event(AuditEventTypes.ChannelClose, AuditSeverity.Info, details)).ConfigureAwait(false);
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
