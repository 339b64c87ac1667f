using System.Globalization;

namespace Bastion.Gateway.Tests.Infrastructure;

/// <summary>One gateway user made by <see cref="BastionTestbed.AddUserAsync"/>: its key, TOTP secret and own OpenSSH client.</summary>
public sealed class BastionTestUser
{
    private readonly Lock _gate = new();
    private long _lastStep = long.MinValue;

    internal BastionTestUser(string name, SshKeyPair key, string? totpSecret, OpenSshClient client)
    {
        Name = name;
        Key = key;
        TotpSecret = totpSecret;
        Client = client;
    }

    /// <summary>Gateway user name.</summary>
    public string Name { get; }

    /// <summary>The user's enrolled key (also authorized for root on the target).</summary>
    public SshKeyPair Key { get; }

    /// <summary>Base32 TOTP secret (null: not enrolled). Never log it.</summary>
    public string? TotpSecret { get; }

    /// <summary>This user's OpenSSH client (own known_hosts, ssh_config, askpass).</summary>
    public OpenSshClient Client { get; }

    /// <summary>
    /// A code the gateway has not seen yet for this user: steps are spent in ascending order (the gateway rejects a
    /// step at or below the last accepted one) and only steps the gateway is sure to still accept are used (the
    /// previous step only early in the current one). Waits (at most one step, 30 s) when the window is spent.
    /// </summary>
    public async Task<string> FreshCodeAsync()
    {
        var secret = TotpSecret ?? throw new InvalidOperationException($"{Name} has no TOTP enrolled");
        for (var attempt = 0; attempt < 40; attempt++)
        {
            var now = DateTimeOffset.UtcNow;
            var current = TotpCode.TimeStep(now);
            var intoStep = now.ToUnixTimeSeconds() % 30;
            lock (_gate)
            {
                var lowest = intoStep < 15 ? current - 1 : current;
                var step = Math.Max(lowest, _lastStep + 1);
                if (step <= current + 1)
                {
                    _lastStep = step;
                    return TotpCode.ComputeForStep(TotpCode.Base32Decode(secret), step);
                }
            }

            await Task.Delay(1000).ConfigureAwait(false); // waiting for the clock, bounded by the loop count
        }

        throw new TimeoutException($"no fresh TOTP step for {Name} within 40 s");
    }

    /// <summary>A 6-digit code that matches none of the steps the gateway accepts right now (±2 steps, to be safe).</summary>
    public string WrongCode()
    {
        var secret = TotpCode.Base32Decode(TotpSecret ?? throw new InvalidOperationException($"{Name} has no TOTP enrolled"));
        var current = TotpCode.TimeStep(DateTimeOffset.UtcNow);
        var valid = Enumerable.Range(-2, 5).Select(o => TotpCode.ComputeForStep(secret, current + o)).ToHashSet();
        for (var candidate = 123456; ; candidate = (candidate + 111111) % 1_000_000)
        {
            var text = candidate.ToString("D6", CultureInfo.InvariantCulture);
            if (!valid.Contains(text))
            {
                return text;
            }
        }
    }
}
