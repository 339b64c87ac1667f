using System.Globalization;

namespace Bastion.Gateway.Limits;

/// <summary>
/// A login or channel open refused because <paramref name="User"/> reached a cap: which one, the key that sets it,
/// its value and what the user held (or had asked for this minute) when refused.
/// </summary>
public sealed record CapRefusal(string User, string Cap, string Setting, int Limit, int Current)
{
    /// <summary>The sentence the user sees: what was reached, which setting, and what to do about it.</summary>
    public string Message => Cap switch
    {
        UserCaps.ConnectionsPerUser =>
            $"Bastion: {User} already has {Count(Current, "connection")} open through this gateway (limit {Setting}); " +
            "close some (or share one with ControlMaster) and try again",
        UserCaps.ChannelsPerUser =>
            $"Bastion: {User} already has {Count(Current, "channel")} open through this gateway (limit {Setting}); " +
            "close some sessions or forwards (ssh -W, -L, ProxyJump) and try again",
        _ =>
            $"Bastion: {User} tried to open {Count(Current, "channel")} through this gateway in the last minute (limit {Setting}); " +
            "wait a minute, then open fewer (reuse one connection with ControlMaster instead of one per command)",
    };

    private static string Count(int n, string noun) => $"{n.ToString(CultureInfo.InvariantCulture)} {noun}{(n == 1 ? "" : "s")}";
}
