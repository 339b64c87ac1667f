using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Bastion.Gateway.Tests.EndToEnd;

/// <summary>Independent checks of what the exporters put on the wire: GELF 1.1 JSON and RFC 5424 syslog.</summary>
internal static partial class AuditExportChecks
{
    /// <summary>Parses one GELF message and checks the GELF 1.1 rules: version, host, short_message, numeric timestamp and
    /// level, additional fields named ^_[\w\.\-]*$ (never _id) holding strings or numbers.</summary>
    public static JsonElement ParseGelf(string message)
    {
        JsonElement json;
        try
        {
            using var document = JsonDocument.Parse(message);
            json = document.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            throw new Xunit.Sdk.XunitException($"not JSON ({ex.Message}): {message}");
        }
        Assert.Equal("1.1", json.GetProperty("version").GetString());
        Assert.False(string.IsNullOrEmpty(json.GetProperty("host").GetString()), message);
        Assert.False(string.IsNullOrEmpty(json.GetProperty("short_message").GetString()), message);
        Assert.Equal(JsonValueKind.Number, json.GetProperty("timestamp").ValueKind);
        Assert.InRange(json.GetProperty("level").GetInt32(), 0, 7);
        foreach (var property in json.EnumerateObject())
        {
            if (property.Name is "version" or "host" or "short_message" or "full_message" or "timestamp" or "level")
            {
                continue;
            }
            Assert.Matches(GelfAdditionalField(), property.Name);
            Assert.NotEqual("_id", property.Name);
            Assert.True(property.Value.ValueKind is JsonValueKind.String or JsonValueKind.Number, $"{property.Name}: {property.Value.ValueKind} in {message}");
        }
        return json;
    }

    public static string? Text(this JsonElement json, string name) =>
        json.TryGetProperty(name, out var value) ? value.ValueKind == JsonValueKind.Number ? value.GetRawText() : value.GetString() : null;

    /// <summary>An RFC 5424 message: header fields and the bastion@32473 params (unescaped), or null if it does not parse.</summary>
    public static SyslogMessage? ParseSyslog(string message)
    {
        var m = SyslogLine().Match(message);
        if (!m.Success)
        {
            return null;
        }
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (Match p in SdParam().Matches(m.Groups["params"].Value))
        {
            parameters[p.Groups["k"].Value] = Regex.Replace(p.Groups["v"].Value, @"\\([""\\\]])", "$1");
        }
        return new SyslogMessage(int.Parse(m.Groups["pri"].Value, CultureInfo.InvariantCulture), m.Groups["host"].Value, m.Groups["app"].Value,
            m.Groups["msgid"].Value, parameters, m.Groups["msg"].Value);
    }

    /// <summary>"warn: … audit export NAME: N records dropped so far" lines of the gateway's log, in order.</summary>
    public static IReadOnlyList<long> DropCounts(string gatewayOutput, string exporter) =>
        DroppedLine().Matches(gatewayOutput).Where(m => m.Groups["name"].Value == exporter)
            .Select(m => long.Parse(m.Groups["n"].Value, CultureInfo.InvariantCulture)).ToList();

    /// <summary>True once the log shows at least two drop warnings for <paramref name="exporter"/> with a rising count.</summary>
    public static bool DropsRose(string gatewayOutput, string exporter) =>
        DropCounts(gatewayOutput, exporter) is { Count: >= 2 } counts && counts[^1] > counts[0];

    [GeneratedRegex(@"^_[A-Za-z0-9_\.\-]*$")]
    private static partial Regex GelfAdditionalField();

    [GeneratedRegex(@"^<(?<pri>\d{1,3})>1 (?<ts>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{1,6}Z) (?<host>[!-~]{1,255}) (?<app>[!-~]{1,48}) (?<proc>[!-~]{1,128}) (?<msgid>[!-~]{1,32}) \[bastion@32473(?<params>(?: [^= \]""]{1,32}=""(?:[^""\\\]]|\\[""\\\]])*"")*)\] (?<msg>.*)$", RegexOptions.Singleline)]
    private static partial Regex SyslogLine();

    [GeneratedRegex(@" (?<k>[^= \]""]{1,32})=""(?<v>(?:[^""\\\]]|\\[""\\\]])*)""")]
    private static partial Regex SdParam();

    [GeneratedRegex(@"audit export (?<name>\w+): (?<n>\d+) records dropped so far")]
    private static partial Regex DroppedLine();
}

/// <summary>One parsed RFC 5424 message.</summary>
internal sealed record SyslogMessage(int Pri, string Host, string AppName, string MsgId, IReadOnlyDictionary<string, string> Params, string Msg)
{
    public string? this[string name] => Params.GetValueOrDefault(name);
}
