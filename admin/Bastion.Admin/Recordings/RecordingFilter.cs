using Bastion.Admin.Reports;
using Bastion.Core.Audit;
using Bastion.Core.Store;

namespace Bastion.Admin.Recordings;

/// <summary>
/// The recording search form as typed by the auditor: user, target, session id, status, and a range of start times
/// in UTC (from inclusive, until exclusive), read like the audit search's times.
/// </summary>
public sealed record RecordingFilter(string? User, string? Target, string? Session, string? Status, string? From, string? Until)
{
    private const int MaxFieldLength = 256;

    public static readonly IReadOnlyList<string> Statuses =
        [RecordingStatus.Recording, RecordingStatus.Complete, RecordingStatus.Truncated, RecordingStatus.Lost];

    /// <summary>Trims the fields and turns blanks into "no filter".</summary>
    public static RecordingFilter Create(string? user, string? target, string? session, string? status, string? from, string? until) =>
        new(Clean(user), Clean(target), Clean(session), Clean(status)?.ToLowerInvariant(), Clean(from), Clean(until));

    /// <summary>The store query for this filter, or an error message saying what to fix.</summary>
    public bool TryBuild(int limit, DateTimeOffset now, out RecordingQuery query, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out string? error)
    {
        query = new RecordingQuery();
        error = null;
        foreach (var (name, value) in new[] { ("user", User), ("target", Target), ("session", Session), ("from", From), ("until", Until) })
        {
            if (value is { Length: > MaxFieldLength })
            {
                error = $"the {name} filter is longer than {MaxFieldLength} characters";
                return false;
            }
        }
        if (Status is not null && !Statuses.Contains(Status, StringComparer.Ordinal))
        {
            error = $"status \"{Status}\" is not one of {string.Join(", ", Statuses)}";
            return false;
        }
        if (!TimeInput.TryParse(From, now, out var from, out var fromProblem))
        {
            error = "from: " + fromProblem;
            return false;
        }
        if (!TimeInput.TryParse(Until, now, out var until, out var untilProblem))
        {
            error = "until: " + untilProblem;
            return false;
        }
        if (from is not null && until is not null && from >= until)
        {
            error = "\"from\" must be earlier than \"until\"";
            return false;
        }
        query = new RecordingQuery(User, Target, Session, Status: Status, From: from, Until: until, Limit: limit);
        return true;
    }

    private static string? Clean(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
