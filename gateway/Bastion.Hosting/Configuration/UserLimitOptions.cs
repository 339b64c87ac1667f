
namespace Bastion.Hosting.Configuration;

/// <summary>
/// Bastion:Limits — what one authenticated user may hold on this gateway node, so one developer's loop cannot take
/// every file descriptor. Counted in memory per node (several nodes behind a load balancer each allow this much).
/// Reloadable: read at every login and channel open. 0 turns a cap off.
/// </summary>
public sealed class UserLimitOptions
{
    /// <summary>Authenticated connections one user may hold at once on this node.</summary>
    public int ConnectionsPerUser { get; set; } = 32;

    /// <summary>Open channels (forwards and sessions) one user may hold at once, over all their connections on this node.</summary>
    public int ChannelsPerUser { get; set; } = 128;

    /// <summary>Channel opens one user may ask for in any 60 seconds on this node, refused ones included.</summary>
    public int ChannelOpensPerMinute { get; set; } = 240;

    /// <summary>The caps for automation accounts (user add --automation): CI jobs and deploy tools fan out wider than people.</summary>
    public AutomationLimitOptions Automation { get; set; } = new();

    /// <summary>The caps that apply to a user, with the configuration keys that set them (for messages).</summary>
    public UserLimits For(bool automation) => automation
        ? new UserLimits("Bastion:Limits:Automation", Automation.ConnectionsPerUser, Automation.ChannelsPerUser, Automation.ChannelOpensPerMinute)
        : new UserLimits("Bastion:Limits", ConnectionsPerUser, ChannelsPerUser, ChannelOpensPerMinute);

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        foreach (var limits in new[] { For(automation: false), For(automation: true) })
        {
            Range(errors, limits.KeyOf(UserCaps.ConnectionsPerUser), limits.ConnectionsPerUser, 100_000);
            Range(errors, limits.KeyOf(UserCaps.ChannelsPerUser), limits.ChannelsPerUser, 1_000_000);
            Range(errors, limits.KeyOf(UserCaps.ChannelOpensPerMinute), limits.ChannelOpensPerMinute, 1_000_000);
        }
        return errors;
    }

    private static void Range(List<string> errors, string key, int value, int max)
    {
        if (value < 0 || value > max)
        {
            errors.Add($"{key} {value} is outside 0..{max} (0 turns the cap off)");
        }
    }
}

/// <summary>Bastion:Limits:Automation — the same caps, wider, for automation accounts.</summary>
public sealed class AutomationLimitOptions
{
    public int ConnectionsPerUser { get; set; } = 256;

    public int ChannelsPerUser { get; set; } = 1024;

    public int ChannelOpensPerMinute { get; set; } = 1200;
}
