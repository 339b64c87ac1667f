using Bastion.Core.Alerts;
using Bastion.Core.Alerts.Webhook;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Bastion.Gateway.Hosting;

/// <summary>
/// Runs anomaly detection (and the webhook, if configured) as audit observers for the life of <c>serve</c>.
/// Registered before the SSH service, so it starts before the first login and stops after the last session.
/// </summary>
public sealed class AlertingService(BastionContext context, TimeProvider time, ILoggerFactory loggers) : IHostedService, IAsyncDisposable
{
    private readonly AlertMetrics _metrics = new();
    private AnomalyDetector? _detector;
    private WebhookAlertSender? _sender;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var options = context.Options.Alerts;
        var logger = loggers.CreateLogger<AlertingService>();
        if (!options.Enabled)
        {
            logger.LogInformation("anomaly alerts are off (Bastion:Alerts:Enabled=false)");
            return Task.CompletedTask;
        }
        if (options.ToWebhookOptions() is { } webhook)
        {
            _sender = new WebhookAlertSender(webhook, _metrics, time, loggers.CreateLogger<WebhookAlertSender>());
            _sender.Start();
            context.Audit.AddObserver(_sender);
        }
        _detector = new AnomalyDetector(context.Store, context.Store, context.Audit, options.ToDetectionOptions(), _metrics, time,
            loggers.CreateLogger<AnomalyDetector>());
        _detector.Start();
        context.Audit.AddObserver(_detector);
        logger.LogInformation("anomaly alerts on; webhook: {Webhook}",
            _sender is null ? "none (audit trail and log only)" : WebhookOptions.SafeEndpointOf(new Uri(options.WebhookUrl!)));
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_detector is not null)
        {
            await _detector.StopAsync(cancellationToken).ConfigureAwait(false);
        }
        if (_sender is not null)
        {
            // The detector's last alerts are queued in the trail: let them be stored so the sender sees them.
            try
            {
                await context.Audit.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
            }
            await _sender.StopAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_detector is not null)
        {
            await _detector.DisposeAsync().ConfigureAwait(false);
        }
        if (_sender is not null)
        {
            await _sender.DisposeAsync().ConfigureAwait(false);
        }
        _metrics.Dispose();
    }
}
