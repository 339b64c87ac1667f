namespace Bastion.Hosting.Observability;

/// <summary>
/// Bastion:Metrics — the HTTP endpoint with /metrics (Prometheus) and /healthz (load balancer check). Off by default:
/// a second listening port is an operator's decision (firewall, load balancer), and several gateways on one host
/// (development, tests) would otherwise collide on a fixed port. When enabled it listens on loopback unless told
/// otherwise; nothing it serves is secret, but it tells an outsider how busy the bastion is.
/// </summary>
public sealed class MetricsOptions
{
    public bool Enabled { get; set; }

    public string ListenAddress { get; set; } = "127.0.0.1";

    public int Port { get; set; } = 9122;
}
