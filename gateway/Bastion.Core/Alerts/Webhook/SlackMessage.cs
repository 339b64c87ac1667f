using System.Globalization;
using System.Text.Json.Nodes;
using Bastion.Core.Audit;

namespace Bastion.Core.Alerts.Webhook;

/// <summary>
/// The JSON body for a Slack incoming webhook (also understood by Mattermost, Rocket.Chat and most chat bridges):
/// "text" carries the whole message; the attachment repeats the facts as fields for people who want them.
/// </summary>
internal static class SlackMessage
{
    public static string Build(AuditRecord alert)
    {
        var summary = alert.Data.GetValueOrDefault("summary") ?? $"{alert.Type} for {alert.User ?? "?"}";
        var icon = alert.Severity == AuditSeverity.Critical ? ":rotating_light: :rotating_light:" : ":rotating_light:";
        var fields = new JsonArray
        {
            Field("Kind", AlertTypes.KindOf(alert.Type)),
            Field("Severity", alert.Severity.ToString().ToLowerInvariant()),
            Field("User", alert.User ?? "-"),
            Field("Source", alert.SourceAddress ?? "-"),
            Field("Audit seq", alert.Seq.ToString(CultureInfo.InvariantCulture)),
            Field("Triggered by seq", alert.Data.GetValueOrDefault("trigger_seq", "-")),
        };
        var body = new JsonObject
        {
            ["text"] = $"{icon} Bastion alert: {Escape(summary)}",
            ["attachments"] = new JsonArray
            {
                new JsonObject
                {
                    ["color"] = alert.Severity == AuditSeverity.Critical ? "danger" : "warning",
                    ["fallback"] = $"Bastion alert: {Escape(summary)}",
                    ["fields"] = fields,
                    ["footer"] = "Bastion audit trail",
                    ["ts"] = alert.Timestamp.ToUnixTimeSeconds(),
                },
            },
        };
        return body.ToJsonString();
    }

    private static JsonObject Field(string title, string value) => new()
    {
        ["title"] = title,
        ["value"] = Escape(value),
        ["short"] = true,
    };

    /// <summary>Slack's three control characters; user-typed text (target names) must not become links or mentions.</summary>
    private static string Escape(string text) => text.Replace("&", "&amp;", StringComparison.Ordinal)
        .Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);
}
