namespace Bastion.Core.Inventory;

/// <summary>Finds names close to a mistyped one: small edit distance, or one is a prefix of the other.</summary>
internal static class NameSuggester
{
    public static IReadOnlyList<string> Suggest(string requested, IEnumerable<string> names, int maxDistance, int maxCount)
    {
        var wanted = requested.ToLowerInvariant();
        return names
            .Select(name => (name, score: Score(wanted, name.ToLowerInvariant(), maxDistance)))
            .Where(x => x.score is not null)
            .OrderBy(x => x.score)
            .ThenBy(x => x.name, StringComparer.OrdinalIgnoreCase)
            .Take(maxCount)
            .Select(x => x.name)
            .ToList();
    }

    /// <summary>
    /// Formats "a", "a or b", "a, b or c" for messages.
    /// </summary>
    public static string JoinAlternatives(IReadOnlyList<string> names) => names.Count switch
    {
        0 => "",
        1 => names[0],
        _ => string.Join(", ", names.Take(names.Count - 1)) + " or " + names[^1],
    };

    private static int? Score(string wanted, string candidate, int maxDistance)
    {
        var distance = Distance(wanted, candidate, maxDistance);
        if (distance <= maxDistance)
        {
            return distance;
        }
        // A prefix match ("web" → "web-1") is useful but less likely to be the intended name than a typo fix.
        if (wanted.Length >= 2 && (candidate.StartsWith(wanted, StringComparison.Ordinal) || wanted.StartsWith(candidate, StringComparison.Ordinal)))
        {
            return maxDistance + 1;
        }
        return null;
    }

    /// <summary>Levenshtein distance, giving up (returning limit + 1) once it must exceed the limit.</summary>
    internal static int Distance(string a, string b, int limit)
    {
        if (Math.Abs(a.Length - b.Length) > limit)
        {
            return limit + 1;
        }
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            var rowMin = current[0];
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
                rowMin = Math.Min(rowMin, current[j]);
            }
            if (rowMin > limit)
            {
                return limit + 1;
            }
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }
}
