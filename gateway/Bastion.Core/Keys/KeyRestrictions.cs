using System.Net;

namespace Bastion.Core.Keys;

/// <summary>
/// What a key's authorized_keys options allow, read once (at login) and asked at each step: may it log in from this
/// address and at this time, may it forward, may it open this target, may it have a terminal. Options are applied
/// in order as sshd applies them (auth-options.c): "restrict" turns port forwarding and the terminal off, a later
/// "port-forwarding" or "pty" turns one back on, and of two contradicting flags the last one holds.
/// Each refusal names the option that made it, for the user's message and the audit trail.
/// </summary>
public sealed class KeyRestrictions
{
    private KeyRestrictions()
    {
    }

    /// <summary>A key without options: nothing restricted.</summary>
    public static KeyRestrictions None { get; } = new();

    /// <summary>from="…": the client addresses the key may log in from; null for any.</summary>
    public SourcePatterns? From { get; private set; }

    /// <summary>expiry-time="…" (the earliest one, as sshd keeps it) with its text as written; null for never.</summary>
    public (DateTimeOffset At, string Text)? ExpiresAt { get; private set; }

    /// <summary>The option that turned port forwarding off ("no-port-forwarding" or "restrict"), or null when it is on.</summary>
    public string? PortForwardingOffBy { get; private set; }

    /// <summary>The option that turned the terminal off ("no-pty" or "restrict"), or null when a pty is allowed.</summary>
    public string? PtyOffBy { get; private set; }

    /// <summary>permitopen="…" entries: when any are given, only those targets may be opened.</summary>
    public IReadOnlyList<PermitOpen> PermitOpen { get; private set; } = [];

    public bool NoTouchRequired { get; private set; }

    public bool VerifyRequired { get; private set; }

    /// <summary>Throws <see cref="FormatException"/> naming the first option that is refused or whose value is not valid.</summary>
    public static KeyRestrictions Parse(IEnumerable<AuthorizedKeyOption> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var result = new KeyRestrictions();
        var permitOpen = new List<PermitOpen>();
        foreach (var option in options)
        {
            if (KeyOptionRules.Refusal(option) is { } refusal)
            {
                throw new FormatException(refusal);
            }
            result.Apply(option, permitOpen);
        }
        result.PermitOpen = permitOpen;
        return result;
    }

    /// <summary>Like <see cref="Parse"/>, returning the problem instead of throwing.</summary>
    public static bool TryParse(IEnumerable<AuthorizedKeyOption> options, out KeyRestrictions? restrictions, out string? problem)
    {
        try
        {
            restrictions = Parse(options);
            problem = null;
            return true;
        }
        catch (FormatException ex)
        {
            restrictions = null;
            problem = ex.Message;
            return false;
        }
    }

    /// <summary>Null when the key may log in from <paramref name="client"/> at <paramref name="now"/>; otherwise why not.</summary>
    public KeyRefusal? LoginRefusal(IPAddress? client, DateTimeOffset now)
    {
        if (From is { } from)
        {
            // No address (not a TCP connection) cannot satisfy a from= restriction.
            var refusal = client is null ? $"key option from=\"{from.Text}\" cannot be checked without a client address" : from.Refusal(client);
            if (refusal is not null)
            {
                return new KeyRefusal("from", refusal);
            }
        }
        if (ExpiresAt is { } expiry && expiry.At < now)
        {
            return new KeyRefusal("expiry-time", $"key option expiry-time=\"{expiry.Text}\" passed at {ExpiryTime.Format(expiry.At)}");
        }
        return null;
    }

    /// <summary>Null when the key may forward connections (direct-tcpip); otherwise the option that forbids it.</summary>
    public KeyRefusal? ForwardingRefusal() => PortForwardingOffBy is { } option
        ? new KeyRefusal(option, option == "restrict"
            ? "key option restrict turns port forwarding off (port-forwarding after it would allow it)"
            : $"key option {option} forbids port forwarding")
        : null;

    /// <summary>
    /// Null when the key may open the target asked for as <paramref name="requestedHost"/>:<paramref name="requestedPort"/>,
    /// which resolved to <paramref name="targetName"/> at <paramref name="targetHost"/>:<paramref name="targetPort"/>;
    /// otherwise which permitopen entries it is not among.
    /// </summary>
    public KeyRefusal? OpenRefusal(string requestedHost, int requestedPort, string targetName, string targetHost, int targetPort)
    {
        if (PermitOpen.Count == 0)
        {
            return null;
        }
        string[] hosts = [requestedHost, targetName, targetHost];
        int[] ports = [requestedPort, targetPort];
        if (PermitOpen.Any(p => p.Allows(hosts, ports)))
        {
            return null;
        }
        var allowed = string.Join(',', PermitOpen.Select(p => $"permitopen=\"{p}\""));
        return new KeyRefusal("permitopen",
            $"key option {allowed} does not allow {requestedHost}:{requestedPort} (target {targetName} at {targetHost}:{targetPort})");
    }

    /// <summary>Null when the key may have a terminal (pty-req); otherwise the option that forbids it.</summary>
    public KeyRefusal? PtyRefusal() => PtyOffBy is { } option
        ? new KeyRefusal(option, option == "restrict"
            ? "key option restrict turns the terminal off (pty after it would allow one)"
            : $"key option {option} forbids a terminal")
        : null;

    private void Apply(AuthorizedKeyOption option, List<PermitOpen> permitOpen)
    {
        var name = option.Name.ToLowerInvariant();
        switch (name)
        {
            case "restrict":
                PortForwardingOffBy = name;
                PtyOffBy = name;
                break;
            case "port-forwarding":
                PortForwardingOffBy = null;
                break;
            case "no-port-forwarding":
                PortForwardingOffBy = name;
                break;
            case "pty":
                PtyOffBy = null;
                break;
            case "no-pty":
                PtyOffBy = name;
                break;
            case "touch-required":
                NoTouchRequired = false;
                break;
            case KeyOptionRules.NoTouchRequired:
                NoTouchRequired = true;
                break;
            case "verify-required":
                VerifyRequired = true;
                break;
            case "from":
                // sshd refuses a second from= clause rather than guess whether the lists add up or narrow down.
                From = From is null
                    ? SourcePatterns.Parse(option.Value!)
                    : throw new FormatException("key option from= is given twice; put every address in one from=\"…\", separated by commas");
                break;
            case "expiry-time":
                var at = ExpiryTime.Parse(option.Value!);
                if (ExpiresAt is not { } earlier || at < earlier.At)
                {
                    ExpiresAt = (at, option.Value!);
                }
                break;
            case "permitopen":
                permitOpen.Add(Keys.PermitOpen.Parse(option.Value!));
                break;
        }
    }
}

/// <summary>A key option refusing a step: <paramref name="Option"/> is its name, <paramref name="Reason"/> the sentence naming it and what it refused.</summary>
public sealed record KeyRefusal(string Option, string Reason);
