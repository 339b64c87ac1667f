using System.Net;

namespace Bastion.Core.Security;

/// <summary>
/// Slows down password-less guessing (TOTP codes, keys): counts authentication failures per user name and
/// per source address over a sliding window and locks either out for a while once a threshold is reached.
/// In memory, per process, bounded in size, thread-safe; time comes from the injected <see cref="TimeProvider"/>.
/// A user lockout applies from every address (it protects the account against distributed guessing, at the
/// price that anyone can lock a known user out for <see cref="AuthRateLimiterOptions.LockoutDuration"/>).
/// </summary>
public sealed class AuthRateLimiter
{
    private volatile AuthRateLimiterOptions _options;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private readonly FailureTable _users;
    private readonly FailureTable _addresses;

    public AuthRateLimiter(AuthRateLimiterOptions? options = null, TimeProvider? timeProvider = null)
    {
        _options = options ?? new AuthRateLimiterOptions();
        _time = timeProvider ?? TimeProvider.System;
        _users = new FailureTable(_options.MaxTrackedEntries);
        _addresses = new FailureTable(_options.MaxTrackedEntries);
    }

    /// <summary>The thresholds in force.</summary>
    public AuthRateLimiterOptions Options => _options;

    /// <summary>
    /// New thresholds from the next attempt on (a configuration reload). Failure history and running lockouts are
    /// kept, so a reload can neither lift a lockout nor wipe the count of an ongoing guessing attempt;
    /// <see cref="AuthRateLimiterOptions.MaxTrackedEntries"/> keeps its value from construction.
    /// </summary>
    public void Reconfigure(AuthRateLimiterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
    }

    /// <summary>
    /// Whether to refuse an attempt by <paramref name="user"/> (may be null before the name is known) from
    /// <paramref name="address"/> without checking credentials. The address lockout is reported first.
    /// </summary>
    public LockoutStatus IsLockedOut(string? user, IPAddress? address)
    {
        var now = _time.GetUtcNow();
        lock (_lock)
        {
            if (address is not null && _addresses.LockedUntil(AddressKey(address), now) is { } addressUntil)
            {
                return new LockoutStatus(true, $"address {address} is locked out after {_options.MaxFailuresPerAddress} failed logins", addressUntil - now);
            }
            if (UserKey(user) is { } key && _users.LockedUntil(key, now) is { } userUntil)
            {
                return new LockoutStatus(true, $"user {key} is locked out after {_options.MaxFailuresPerUser} failed logins", userUntil - now);
            }
        }
        return LockoutStatus.NotLocked;
    }

    /// <summary>Counts a failed attempt against the user and the address; returns the resulting status.</summary>
    public LockoutStatus RecordFailure(string? user, IPAddress? address)
    {
        var now = _time.GetUtcNow();
        var options = _options;
        lock (_lock)
        {
            if (address is not null)
            {
                _addresses.RecordFailure(AddressKey(address), now, options.MaxFailuresPerAddress, options.Window, options.LockoutDuration);
            }
            if (UserKey(user) is { } key)
            {
                _users.RecordFailure(key, now, options.MaxFailuresPerUser, options.Window, options.LockoutDuration);
            }
        }
        return IsLockedOut(user, address);
    }

    /// <summary>
    /// Clears the user's failure history after a successful login. The address history is kept: one valid
    /// account must not let an address reset its count while guessing at others.
    /// </summary>
    public void RecordSuccess(string? user, IPAddress? address)
    {
        _ = address;
        if (UserKey(user) is not { } key)
        {
            return;
        }
        lock (_lock)
        {
            // A locked user cannot succeed (the gateway checks first), so forgetting never lifts a lockout early.
            if (_users.LockedUntil(key, _time.GetUtcNow()) is null)
            {
                _users.Forget(key);
            }
        }
    }

    /// <summary>User names compare case-insensitively and are capped so junk names cannot be large.</summary>
    private static string? UserKey(string? user)
    {
        if (string.IsNullOrEmpty(user))
        {
            return null;
        }
        var key = user.ToLowerInvariant();
        return key.Length <= 64 ? key : key[..64];
    }

    /// <summary>IPv4-mapped IPv6 (::ffff:1.2.3.4) counts as the IPv4 address, so a dual-stack socket cannot double the budget.</summary>
    private static string AddressKey(IPAddress address) =>
        (address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address).ToString();
}
