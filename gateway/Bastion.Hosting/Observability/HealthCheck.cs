namespace Bastion.Hosting.Observability;

/// <summary>The answer of /healthz: healthy, or the first reason the node should not get new connections.</summary>
public sealed record HealthReport(bool Healthy, string Reason)
{
    public static readonly HealthReport Ok = new(true, "ok");
}

/// <summary>
/// Whether this node should receive new SSH connections: not draining after SIGTERM, host key loaded, SSH listener
/// accepting, and the store answering a cheap query within <see cref="StoreTimeout"/>. Cheap enough for a load
/// balancer to call every few seconds.
/// </summary>
public sealed class HealthCheck
{
    public static readonly TimeSpan StoreTimeout = TimeSpan.FromSeconds(2);

    private readonly Func<CancellationToken, Task> _storeProbe;
    private readonly Func<string?> _listenerProblem;
    private readonly Func<bool> _draining;

    /// <param name="storeProbe">A cheap store query; throwing or timing out means the store is unavailable.</param>
    /// <param name="listenerProblem">Why the SSH side cannot serve (no host key, not accepting), or null.</param>
    /// <param name="draining">True once shutdown began: the load balancer must stop sending new connections.</param>
    public HealthCheck(Func<CancellationToken, Task> storeProbe, Func<string?> listenerProblem, Func<bool> draining)
    {
        _storeProbe = storeProbe;
        _listenerProblem = listenerProblem;
        _draining = draining;
    }

    public async Task<HealthReport> CheckAsync(CancellationToken cancellationToken)
    {
        if (_draining())
        {
            return new HealthReport(false, "draining: the gateway is shutting down and lets open sessions finish");
        }
        if (_listenerProblem() is { } problem)
        {
            return new HealthReport(false, problem);
        }
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(StoreTimeout);
        try
        {
            await _storeProbe(deadline.Token).WaitAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new HealthReport(false, $"store did not answer within {StoreTimeout.TotalSeconds:0} s");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            var message = ex.Message.Length <= 200 ? ex.Message : ex.Message[..200] + "…";
            return new HealthReport(false, $"store unavailable: {ex.GetType().Name}: {message}");
        }
        return HealthReport.Ok;
    }
}
