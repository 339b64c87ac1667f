using Bastion.Core.Audit;

namespace Bastion.Core.Alerts;

/// <summary>Every security-key counter regression (a possibly cloned authenticator) is a critical finding.</summary>
internal sealed class CounterRegressionRule : IAnomalyRule
{
    public bool Handles(string type) => type == AuditEventTypes.SecurityKeyCounterRegression;

    public Task<AuditEvent?> EvaluateAsync(AuditRecord record, CancellationToken ct)
    {
        var who = record.User ?? "(unknown user)";
        var fingerprint = record.Data.GetValueOrDefault("key_fingerprint", "?");
        var counter = record.Data.GetValueOrDefault("counter", "?");
        var last = record.Data.GetValueOrDefault("last_counter", "?");
        var action = record.Data.GetValueOrDefault("action", "?");
        var host = SourceNetwork.TryParseHost(record.SourceAddress, out var address) ? address.ToString() : "?";
        return Task.FromResult<AuditEvent?>(AlertEvent.For(record, AlertTypes.SecurityKeyCounterRegression, AuditSeverity.Critical,
            $"{who}'s security key {fingerprint} sent counter {counter} after {last} (from {host}): possible cloned authenticator; login {action}",
            ("key_fingerprint", fingerprint),
            ("counter", counter),
            ("last_counter", last),
            ("action", action)));
    }
}
