using System.Net;

namespace Bastion.Hosting.Inventory.Dns;

/// <summary>
/// Settings of the inventory DNS responder, bound from <c>Bastion:Inventory:Dns</c>. Off by default: turning it on
/// publishes instance names and private addresses to whoever can reach <see cref="ListenAddress"/>.
/// </summary>
public sealed class InventoryDnsOptions
{
    /// <summary>The configuration section these options are bound from; error messages name keys under it.</summary>
    public const string Section = "Bastion:Inventory:Dns";

    public bool Enabled { get; set; }

    /// <summary>Address to listen on, UDP and TCP. Loopback by default so nothing is published by accident.</summary>
    public string ListenAddress { get; set; } = "127.0.0.1";

    public int Port { get; set; } = 5353;

    /// <summary>The zone answered for: NAME.Zone and NAME.ACCOUNT-ALIAS.Zone. Everything else outside in-addr.arpa is refused.</summary>
    public string Zone { get; set; } = "dev.example";

    /// <summary>TTL of answers and of negative answers (SOA minimum), kept short because the index changes as instances start and stop.</summary>
    public int TtlSeconds { get; set; } = 30;

    /// <summary>
    /// Responses per second to one source address (an IPv6 source per /64), over UDP; TCP has a limit of its own with
    /// the same settings. Queries beyond it are dropped, as BIND's response rate limiting does: UDP source addresses
    /// can be forged, and without a limit anyone could aim this responder's answers at an address of their choosing.
    /// A resolver that forwards a whole office's queries is one source, so leave room for it. 0 turns the limit off.
    /// </summary>
    public int ResponsesPerSecond { get; set; } = 100;

    /// <summary>Responses a source may get at once above <see cref="ResponsesPerSecond"/>, after being quiet a while.</summary>
    public int ResponseBurst { get; set; } = 200;

    /// <summary>
    /// Sources the rate limit keeps track of at once (about 100 bytes each). Beyond it, a new source replaces one whose
    /// limit has fully recovered; when there is none, new sources go unanswered until one recovers.
    /// </summary>
    public int RateLimitSources { get; set; } = 10_000;

    /// <summary>Every problem with these settings, each naming the key to fix; empty when they are usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (!IPAddress.TryParse(ListenAddress, out _))
        {
            errors.Add($"{Section}:ListenAddress \"{ListenAddress}\" is not an IP address (use 127.0.0.1, 0.0.0.0, :: or a specific address)");
        }
        if (Port is < 1 or > 65535)
        {
            errors.Add($"{Section}:Port {Port} is outside 1..65535");
        }
        if (ZoneSpelling.Describe(Zone) is { } zoneProblem)
        {
            errors.Add($"{Section}:Zone \"{Zone}\" {zoneProblem}");
        }
        if (TtlSeconds is < 0 or > 86_400)
        {
            errors.Add($"{Section}:TtlSeconds {TtlSeconds} is outside 0..86400 (a few seconds to a minute suits an inventory that changes)");
        }
        if (ResponsesPerSecond is < 0 or > 1_000_000)
        {
            errors.Add($"{Section}:ResponsesPerSecond {ResponsesPerSecond} is outside 0..1000000 (0 turns the per-source limit off)");
        }
        if (ResponseBurst is < 1 or > 1_000_000)
        {
            errors.Add($"{Section}:ResponseBurst {ResponseBurst} is outside 1..1000000 (about twice ResponsesPerSecond suits most resolvers)");
        }
        if (RateLimitSources is < 16 or > 1_000_000)
        {
            errors.Add($"{Section}:RateLimitSources {RateLimitSources} is outside 16..1000000");
        }
        return errors;
    }
}
