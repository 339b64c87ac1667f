using Bastion.Core.Audit;

namespace Bastion.Admin.Reports;

/// <summary>
/// The compact audit row: the target an event is about and a one-line summary (the event's own "summary" when it
/// has one, else its fields as key=value), so a page of events reads as a list; every field is still one click away.
/// </summary>
public static class AuditRowText
{
    private const int MaxSummary = 160;

    public static string Target(AuditRecord record) => record.Data.GetValueOrDefault("target", "");

    public static string Summary(AuditRecord record)
    {
        var text = record.Data.TryGetValue("summary", out var summary) && summary.Length > 0
            ? summary
            : string.Join("  ", record.Data.Where(kv => kv.Key != "target")
                .OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value}"));
        text = DisplayText.Visible(text);
        return text.Length <= MaxSummary ? text : text[..MaxSummary] + "…";
    }
}
