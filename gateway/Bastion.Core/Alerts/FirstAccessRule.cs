using Bastion.Core.Audit;
using Bastion.Core.Store;

namespace Bastion.Core.Alerts;

/// <summary>
/// The first channel of a user to a target name, or into an AWS account. Like networks, the user's very first
/// value of each kind sets the baseline and does not alert (unless AlertOnFirstEverLogin).
/// </summary>
internal sealed class FirstAccessRule : IAnomalyRule
{
    private readonly IAnomalyBaselineStore _baselines;
    private readonly AnomalyDetectionOptions _options;
    private readonly string _baselineKind;
    private readonly string _alertType;
    private readonly Func<AuditRecord, string?> _valueOf;
    private readonly Func<AuditRecord, string, string> _describe;

    private FirstAccessRule(IAnomalyBaselineStore baselines, AnomalyDetectionOptions options, string baselineKind, string alertType,
        Func<AuditRecord, string?> valueOf, Func<AuditRecord, string, string> describe)
    {
        _baselines = baselines;
        _options = options;
        _baselineKind = baselineKind;
        _alertType = alertType;
        _valueOf = valueOf;
        _describe = describe;
    }

    /// <summary>Target names are case-insensitive, so the baseline keeps them lowercased.</summary>
    public static FirstAccessRule ForTarget(IAnomalyBaselineStore baselines, AnomalyDetectionOptions options) => new(
        baselines, options, "target", AlertTypes.FirstTargetAccess,
        r => NonEmpty(r.Data.GetValueOrDefault("target"))?.ToLowerInvariant(),
        (r, target) => $"{r.User} opened a channel to {r.Data.GetValueOrDefault("target", target)} for the first time" +
                       Optional(" (account ", r.Data.GetValueOrDefault("account_alias") ?? r.Data.GetValueOrDefault("account"), ")") +
                       $" at {AlertEvent.Utc(r.Timestamp)}");

    /// <summary>The AWS account id of an EC2 instance, or the account name of a static target.</summary>
    public static FirstAccessRule ForAccount(IAnomalyBaselineStore baselines, AnomalyDetectionOptions options) => new(
        baselines, options, "account", AlertTypes.FirstAccountAccess,
        r => NonEmpty(r.Data.GetValueOrDefault("account_id")) ?? NonEmpty(r.Data.GetValueOrDefault("account")),
        (r, account) => $"{r.User} reached account {account}" + Optional(" (", NonEmpty(r.Data.GetValueOrDefault("account_alias")), ")") +
                        $" for the first time, via {r.Data.GetValueOrDefault("target", "?")} at {AlertEvent.Utc(r.Timestamp)}");

    public bool Handles(string type) => type == AuditEventTypes.ChannelOpen;

    public async Task<AuditEvent?> EvaluateAsync(AuditRecord record, CancellationToken ct)
    {
        if (record.User is not { } user || _valueOf(record) is not { } value)
        {
            return null;
        }
        var seen = await _baselines.TryRecordFirstSeenAsync(user, _baselineKind, value, record.Timestamp, ct).ConfigureAwait(false);
        if (!seen.IsNew || (seen.KnownBefore == 0 && !_options.AlertOnFirstEverLogin))
        {
            return null;
        }
        return AlertEvent.For(record, _alertType, AuditSeverity.Warning, _describe(record, value),
            (_baselineKind, value),
            ($"known_{_baselineKind}s", AlertEvent.Text(seen.KnownBefore)));
    }

    private static string? NonEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    private static string Optional(string before, string? value, string after) => string.IsNullOrEmpty(value) ? "" : before + value + after;
}
