using Bastion.Admin.Reports;
using Bastion.Admin.Security;
using Bastion.Core.Audit;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;

namespace Bastion.Admin.Pages.Audit;

/// <summary>
/// Auditors search the trail (user, target, event type, time range; newest first, paged by seq), see whether the
/// hash chain holds, and export the filtered range as JSON lines or CSV. Read-only; exports are themselves audited.
/// </summary>
[Authorize(Policy = Policies.Auditor)]
public sealed class EventsModel : BastionPageModel
{
    /// <summary>Events per page on offer; 50 unless the reader picks another.</summary>
    public static readonly IReadOnlyList<int> PageSizes = [25, 50, 100, 200];

    public const string Exported = "admin.audit.exported";

    [BindProperty(SupportsGet = true, Name = "user")]
    public string? UserFilter { get; set; }

    [BindProperty(SupportsGet = true, Name = "target")]
    public string? TargetFilter { get; set; }

    [BindProperty(SupportsGet = true, Name = "type")]
    public string? TypeFilter { get; set; }

    [BindProperty(SupportsGet = true, Name = "from")]
    public string? FromFilter { get; set; }

    [BindProperty(SupportsGet = true, Name = "to")]
    public string? ToFilter { get; set; }

    [BindProperty(SupportsGet = true, Name = "before")]
    public long? Before { get; set; }

    [BindProperty(SupportsGet = true, Name = "size")]
    public int? Size { get; set; }

    public int PageSize => Size is { } size && PageSizes.Contains(size) ? size : 50;

    /// <summary>Route values for a page of this search: the filter, the page size (when not the default) and where to start.</summary>
    public Dictionary<string, object?> PageRoute(long? before = null)
    {
        var values = Filter.RouteValues(before);
        values["size"] = PageSize == 50 ? null : PageSize;
        return values;
    }

    public AuditFilter Filter => AuditFilter.Create(UserFilter, TargetFilter, TypeFilter, FromFilter, ToFilter);

    public AuditVerification? Chain { get; private set; }

    public IReadOnlyList<AuditRecord> Events { get; private set; } = [];

    public long? NextBeforeSeq { get; private set; }

    public string? FilterError { get; private set; }

    public async Task OnGetAsync()
    {
        Chain = await Bastion.Audit.VerifyAsync(HttpContext.RequestAborted);
        if (!Filter.TryBuild(PageSize, Before, Bastion.Time.GetUtcNow(), out var query, out var error))
        {
            FilterError = error;
            return;
        }
        var page = await Bastion.Audit.QueryAsync(query, HttpContext.RequestAborted);
        Events = page.Events;
        NextBeforeSeq = page.NextBeforeSeq;
    }

    /// <summary>GET ?handler=jsonl with the page's filters: the whole filtered range as JSON lines.</summary>
    public Task<IActionResult> OnGetJsonlAsync() =>
        ExportAsync("jsonl", AuditExport.JsonLinesContentType, AuditExport.WriteJsonLinesAsync);

    /// <summary>GET ?handler=csv with the page's filters: the whole filtered range as CSV (formula-safe).</summary>
    public Task<IActionResult> OnGetCsvAsync() =>
        ExportAsync("csv", AuditExport.CsvContentType, AuditExport.WriteCsvAsync);

    private async Task<IActionResult> ExportAsync(string format, string contentType, Func<IAsyncEnumerable<AuditRecord>, Stream, CancellationToken, Task<long>> write)
    {
        var filter = Filter;
        if (!filter.TryBuild(1000, null, Bastion.Time.GetUtcNow(), out var query, out var error))
        {
            return new ContentResult { StatusCode = StatusCodes.Status400BadRequest, Content = error, ContentType = "text/plain; charset=utf-8" };
        }
        // Recorded before any data leaves, like every other admin action; the range ends before this event.
        var head = await Bastion.Audit.QueryAsync(new AuditQuery { Limit = 1 }, HttpContext.RequestAborted);
        var upTo = head.Events.Count > 0 ? head.Events[0].Seq : 0;
        var data = filter.Describe();
        data["format"] = format;
        data["up_to_seq"] = upTo.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await Audit.WriteAsync(Exported, null, data, AuditSeverity.Info);

        var stamp = Bastion.Time.GetUtcNow().UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        Response.ContentType = contentType;
        Response.Headers.ContentDisposition = $"attachment; filename=\"bastion-audit-{stamp}.{format}\"";
        var records = AuditExport.ReadAllAsync(Bastion.Audit, query with { BeforeSeq = upTo + 1 }, HttpContext.RequestAborted);
        await write(records, Response.Body, HttpContext.RequestAborted);
        return new EmptyResult();
    }
}
