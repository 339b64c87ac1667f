using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;

namespace Bastion.Gateway.Tests.Infrastructure;

/// <summary>One sample line of the Prometheus text format: name, labels and value.</summary>
public sealed record MetricSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value)
{
    public string? this[string label] => Labels.TryGetValue(label, out var v) ? v : null;
}

/// <summary>HTTP GETs against the gateway's metrics endpoint (/metrics, /healthz) and a parser for the text format.</summary>
public static partial class MetricsScrape
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    public static async Task<(HttpStatusCode Status, string Body)> GetAsync(IPAddress address, int port, string path)
    {
        var host = address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString();
        using var response = await Http.GetAsync(new Uri($"http://{host}:{port}{path}")).ConfigureAwait(false);
        return (response.StatusCode, await response.Content.ReadAsStringAsync().ConfigureAwait(false));
    }

    public static async Task<IReadOnlyList<MetricSample>> ScrapeAsync(IPAddress address, int port)
    {
        var (status, body) = await GetAsync(address, port, "/metrics").ConfigureAwait(false);
        if (status != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"GET /metrics answered {(int)status}: {body}");
        }
        return Parse(body);
    }

    public static IReadOnlyList<MetricSample> Parse(string text)
    {
        var samples = new List<MetricSample>();
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }
            var m = SampleRegex().Match(line);
            if (!m.Success)
            {
                throw new FormatException($"not a Prometheus sample line: {line}");
            }
            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (Match l in LabelRegex().Matches(m.Groups["labels"].Value))
            {
                labels[l.Groups["k"].Value] = l.Groups["v"].Value;
            }
            samples.Add(new MetricSample(m.Groups["name"].Value, labels, double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture)));
        }
        return samples;
    }

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>[^}]*)\})? (?<value>\S+)( \S+)?$")]
    private static partial Regex SampleRegex();

    [GeneratedRegex(@"(?<k>[a-zA-Z_][a-zA-Z0-9_]*)=""(?<v>[^""]*)""")]
    private static partial Regex LabelRegex();
}
