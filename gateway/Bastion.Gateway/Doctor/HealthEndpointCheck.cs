using System.Net;
using Bastion.Gateway.Observability;
using static Bastion.Core.Security.TerminalText;

namespace Bastion.Gateway.Doctor;

/// <summary>What the running gateway's /healthz tells its load balancer, when the metrics endpoint is on.</summary>
public static class HealthEndpointCheck
{
    public static async Task<DoctorFinding?> RunAsync(MetricsOptions metrics, CancellationToken cancellationToken)
    {
        const string check = "healthz";
        if (!metrics.Enabled)
        {
            return null;
        }
        var address = IPAddress.Parse(metrics.ListenAddress);
        if (address.Equals(IPAddress.Any))
        {
            address = IPAddress.Loopback;
        }
        else if (address.Equals(IPAddress.IPv6Any))
        {
            address = IPAddress.IPv6Loopback;
        }
        var url = new UriBuilder("http", address.ToString(), metrics.Port, "/healthz").Uri;
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(3) };
        try
        {
            using var response = await http.GetAsync(url, cancellationToken).ConfigureAwait(false);
            // Whatever answers on the port wrote the body, maybe not the gateway.
            var body = Visible((await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false)).Trim());
            return response.IsSuccessStatusCode
                ? DoctorFinding.Ok(check, $"{url} {(int)response.StatusCode} {body}")
                : DoctorFinding.Fail(check, $"{url} {(int)response.StatusCode} {body}; a load balancer sends this node no connections");
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return DoctorFinding.Fail(check, $"{url} did not answer ({ex.Message}); is the gateway running? systemctl status bastion-gateway");
        }
    }
}
