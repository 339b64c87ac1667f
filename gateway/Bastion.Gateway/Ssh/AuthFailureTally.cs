using System.Globalization;

namespace Bastion.Gateway.Ssh;

/// <summary>
/// The failed authentication requests of one connection. Only the first failure of each method becomes an auth.failure
/// row; the rest are counted here and summed up, by reason, in the connection's disconnect event — so a client sending
/// hundreds of requests before authenticating writes a handful of rows, not hundreds. Calls for one connection never
/// overlap (the SSH library runs its authentication one request at a time).
/// </summary>
public sealed class AuthFailureTally
{
    /// <summary>Distinct reasons kept per connection; more are summed up under "other".</summary>
    private const int MaxReasons = 16;

    private const int MaxReasonLength = 120;

    private readonly Dictionary<string, int> _byReason = new(StringComparer.Ordinal);
    private readonly HashSet<string> _itemizedMethods = new(StringComparer.Ordinal);

    /// <summary>The user name the failures were for (a connection keeps one).</summary>
    public string? UserName { get; private set; }

    public int Total { get; private set; }

    /// <summary>Failures that got an auth.failure row of their own.</summary>
    public int Rows { get; private set; }

    /// <summary>Of the failures without a row of their own, the keys offered that nobody enrolled.</summary>
    public int KeyProbesBeyondRows { get; private set; }

    /// <summary>
    /// Counts one failure. True when the caller should write its auth.failure row: <paramref name="itemize"/> is set and
    /// no row was written yet for <paramref name="method"/> on this connection.
    /// </summary>
    public bool Add(string userName, string method, string reason, bool keyProbe, bool itemize = true)
    {
        UserName ??= userName;
        Total++;
        var key = $"{method}: {(reason.Length <= MaxReasonLength ? reason : reason[..MaxReasonLength] + "…")}";
        if (!_byReason.ContainsKey(key) && _byReason.Count >= MaxReasons)
        {
            key = "other";
        }
        _byReason[key] = _byReason.GetValueOrDefault(key) + 1;
        if (itemize && _itemizedMethods.Add(method))
        {
            Rows++;
            return true;
        }
        if (keyProbe)
        {
            KeyProbesBeyondRows++;
        }
        return false;
    }

    /// <summary>"publickey: key not enrolled for this user ×6; none: locked out ×1", most frequent first.</summary>
    public string Reasons() => string.Join("; ", _byReason.OrderByDescending(r => r.Value).ThenBy(r => r.Key, StringComparer.Ordinal)
        .Select(r => $"{r.Key} ×{r.Value.ToString(CultureInfo.InvariantCulture)}"));

    /// <summary>The disconnect event's summary fields; none when nothing failed.</summary>
    public void AddTo(IDictionary<string, string> data)
    {
        if (Total == 0)
        {
            return;
        }
        data["auth_failures"] = Total.ToString(CultureInfo.InvariantCulture);
        data["auth_failure_reasons"] = Reasons();
        data["auth_failures_beyond_rows"] = (Total - Rows).ToString(CultureInfo.InvariantCulture);
        data["key_probes_beyond_rows"] = KeyProbesBeyondRows.ToString(CultureInfo.InvariantCulture);
    }
}
