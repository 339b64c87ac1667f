namespace Bastion.Hosting.Configuration;

/// <summary>The names of the per-user caps: the configuration key's last part, the audit "cap" and the metric label.</summary>
public static class UserCaps
{
    public const string ConnectionsPerUser = nameof(ConnectionsPerUser);
    public const string ChannelsPerUser = nameof(ChannelsPerUser);
    public const string ChannelOpensPerMinute = nameof(ChannelOpensPerMinute);
}

/// <summary>
/// The caps in force for one user at one moment (a snapshot of the options, taken per login or channel open so a
/// reload applies to the next one). 0: no cap. <paramref name="KeyPrefix"/> is the configuration section that set
/// them, so a refusal can name the key an operator would change.
/// </summary>
public sealed record UserLimits(string KeyPrefix, int ConnectionsPerUser, int ChannelsPerUser, int ChannelOpensPerMinute)
{
    /// <summary>No caps at all.</summary>
    public static UserLimits None { get; } = new("Bastion:Limits", 0, 0, 0);

    /// <summary>"Bastion:Limits:ChannelsPerUser" or "Bastion:Limits:Automation:ChannelsPerUser".</summary>
    public string KeyOf(string cap) => $"{KeyPrefix}:{cap}";
}
