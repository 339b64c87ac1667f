namespace Bastion.Core.Audit;

/// <summary>
/// Filter for browsing the trail, newest first. Page by passing the previous page's
/// <see cref="AuditPage.NextBeforeSeq"/> as <see cref="BeforeSeq"/>.
/// </summary>
public sealed record AuditQuery
{
    public string? User { get; init; }

    /// <summary>An exact type ("auth.failure") or a prefix ending in '.' ("auth.").</summary>
    public string? Type { get; init; }

    public string? SessionId { get; init; }

    /// <summary>Events whose data field "target" equals this name (case-insensitive, like target names).</summary>
    public string? Target { get; init; }

    /// <summary>Inclusive lower bound.</summary>
    public DateTimeOffset? From { get; init; }

    /// <summary>Exclusive upper bound.</summary>
    public DateTimeOffset? To { get; init; }

    /// <summary>Only events with a smaller seq (the paging cursor).</summary>
    public long? BeforeSeq { get; init; }

    /// <summary>Page size, 1–1000.</summary>
    public int Limit { get; init; } = 100;
}

/// <summary>One page of query results, newest first; <see cref="NextBeforeSeq"/> is null on the last page.</summary>
public sealed record AuditPage(IReadOnlyList<AuditRecord> Events, long? NextBeforeSeq);

/// <summary>Result of walking the chain.</summary>
/// <param name="FirstBrokenSeq">The first seq at which the chain does not hold (or the missing seq).</param>
/// <param name="Problem">What is wrong, in words an operator can act on.</param>
public sealed record AuditVerification(bool Ok, long EventsChecked, long? FirstBrokenSeq, string? Problem);
