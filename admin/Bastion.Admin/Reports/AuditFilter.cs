using Bastion.Core.Audit;

namespace Bastion.Admin.Reports;

/// <summary>
/// The audit search form as typed by the auditor: user, target, event type (exact or a prefix ending in '.'),
/// and a time range in UTC ("2026-11-29T17:00" from a datetime-local input, or any ISO 8601 time with an offset).
/// Shared by the search page and its exports, so an export covers exactly the range on screen.
/// </summary>
public sealed record AuditFilter(string? User, string? Target, string? Type, string? From, string? To)
{
    private const int MaxFieldLength = 256;

    public bool IsEmpty => User is null && Target is null && Type is null && From is null && To is null;

    /// <summary>Trims the fields and turns blanks into "no filter".</summary>
    public static AuditFilter Create(string? user, string? target, string? type, string? from, string? to) =>
        new(Clean(user), Clean(target), Clean(type), Clean(from), Clean(to));

    /// <summary>The store query for this filter, or an error message saying what to fix.</summary>
    public bool TryBuild(int limit, long? beforeSeq, DateTimeOffset now, out AuditQuery query, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out string? error)
    {
        query = new AuditQuery();
        error = null;
        foreach (var (name, value) in new[] { ("user", User), ("target", Target), ("event type", Type), ("from", From), ("to", To) })
        {
            if (value is { Length: > MaxFieldLength })
            {
                error = $"the {name} filter is longer than {MaxFieldLength} characters";
                return false;
            }
        }
        if (!TimeInput.TryParse(From, now, out var from, out var fromProblem))
        {
            error = "from: " + fromProblem;
            return false;
        }
        if (!TimeInput.TryParse(To, now, out var to, out var toProblem))
        {
            error = "to: " + toProblem;
            return false;
        }
        if (from is not null && to is not null && from >= to)
        {
            error = "\"from\" must be earlier than \"to\"";
            return false;
        }
        query = new AuditQuery
        {
            User = User,
            Target = Target,
            Type = Type?.ToLowerInvariant(),
            From = from,
            To = to,
            BeforeSeq = beforeSeq,
            Limit = limit,
        };
        return true;
    }

    /// <summary>Route values for links that keep this filter (null values are left out of the URL).</summary>
    public Dictionary<string, object?> RouteValues(long? before = null) => new()
    {
        ["user"] = User,
        ["target"] = Target,
        ["type"] = Type,
        ["from"] = From,
        ["to"] = To,
        ["before"] = before,
    };

    /// <summary>The filter as audit data (for the export event), only the fields that are set.</summary>
    public Dictionary<string, string> Describe()
    {
        var data = new Dictionary<string, string>(StringComparer.Ordinal);
        void Add(string key, string? value)
        {
            if (value is not null)
            {
                data[key] = value;
            }
        }
        Add("filter_user", User);
        Add("filter_target", Target);
        Add("filter_type", Type);
        Add("filter_from", From);
        Add("filter_to", To);
        return data;
    }

    private static string? Clean(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
