using System.Net;
using Bastion.Core.Store;

namespace Bastion.Core.Security;

/// <summary>
/// Slows down guessing (TOTP codes, keys, user names): counts authentication failures per user name and per source
/// address (IPv6 per /64) and locks either out once a threshold is reached. The counts and lockouts live in the store
/// (<see cref="IAuthFailureStore"/>), so every gateway node and the admin app sharing it count together and honour each
/// other's lockouts, and no flood of names can evict one. Repeated lockouts of a user grow (15 min, 30, 60, … up to
/// <see cref="AuthRateLimiterOptions.MaxLockoutDuration"/>) until the failures stop for
/// <see cref="AuthRateLimiterOptions.LockoutMemory"/>; an address lockout always lasts
/// <see cref="AuthRateLimiterOptions.LockoutDuration"/>. A user lockout applies from every address (it protects the
/// account against distributed guessing, at the price that anyone can lock a known user out; operators lift it with
/// <c>bastion lockout clear</c>). Thread-safe; time comes from the injected <see cref="TimeProvider"/>.
/// </summary>
public sealed class AuthRateLimiter
{
    /// <summary>Expired rows are deleted by a failure at most this often (per process).</summary>
    private static readonly TimeSpan PurgeEvery = TimeSpan.FromMinutes(10);

    private readonly IAuthFailureStore _store;
    private readonly TimeProvider _time;
    private readonly LockoutCache _known;
    private volatile AuthRateLimiterOptions _options;
    private long _nextPurgeTicks;

    public AuthRateLimiter(IAuthFailureStore store, AuthRateLimiterOptions? options = null, TimeProvider? timeProvider = null)
    {
        _store = store ?? throw new ArgumentNullException(nameof(store));
        _options = options ?? new AuthRateLimiterOptions();
        _time = timeProvider ?? TimeProvider.System;
        _known = new LockoutCache(_options.MaxCachedLockouts);
    }

    /// <summary>Lockouts remembered in this process (capped by <see cref="AuthRateLimiterOptions.MaxCachedLockouts"/>).</summary>
    internal int KnownLockoutCount => _known.Count;

    /// <summary>The thresholds in force.</summary>
    public AuthRateLimiterOptions Options => _options;

    /// <summary>
    /// New thresholds from the next attempt on (a configuration reload). Counts and running lockouts are in the store and
    /// stay, so a reload can neither lift a lockout nor wipe the count of an ongoing guessing attempt.
    /// </summary>
    public void Reconfigure(AuthRateLimiterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
    }

    /// <summary>
    /// A lockout of <paramref name="user"/> (may be null) or <paramref name="address"/> this process already knows of,
    /// without asking the store: for refusing early and cheaply (at accept, at the first request). "Not locked" here
    /// means only "not known to be": the store is asked (<see cref="CheckAsync"/>) before a login is let in.
    /// </summary>
    public LockoutStatus KnownLockout(string? user, IPAddress? address)
    {
        var now = _time.GetUtcNow();
        if (address is not null && _known.Find(LoginSubjects.Address(address), now) is { } byAddress)
        {
            return AddressLocked(address, byAddress.Until, byAddress.Number, now);
        }
        if (LoginSubjects.User(user) is { } key && _known.Find(key, now) is { } byUser)
        {
            return UserLocked(key, byUser.Until, byUser.Number, now);
        }
        return LockoutStatus.NotLocked;
    }

    /// <summary>
    /// <see cref="KnownLockout"/>, confirmed with the store when it says "locked": a login that is not known to be locked
    /// costs nothing, and a lockout an operator lifted (<c>bastion lockout clear</c>) stops being enforced at once.
    /// </summary>
    public async ValueTask<LockoutStatus> EarlyCheckAsync(string? user, IPAddress? address, CancellationToken ct = default) =>
        KnownLockout(user, address).IsLockedOut ? await CheckAsync(user, address, ct).ConfigureAwait(false) : LockoutStatus.NotLocked;

    /// <summary>Whether the store holds a lockout of the user or the address right now: one round trip.</summary>
    public async Task<LockoutStatus> CheckAsync(string? user, IPAddress? address, CancellationToken ct = default)
    {
        var now = _time.GetUtcNow();
        var userKey = LoginSubjects.User(user);
        var addressKey = address is null ? null : LoginSubjects.Address(address);
        string[] subjects = [.. new[] { addressKey, userKey }.OfType<string>()];
        var lockouts = await _store.GetAuthLockoutsAsync(subjects, now, ct).ConfigureAwait(false);
        foreach (var subject in subjects)
        {
            _known.Forget(subject); // the store's word replaces what was remembered (an operator may have lifted it)
        }
        foreach (var lockout in lockouts)
        {
            _known.Remember(lockout.Subject, lockout.LockedUntil, lockout.Lockouts, now);
        }
        if (lockouts.FirstOrDefault(l => l.Subject == addressKey) is { } byAddress)
        {
            return AddressLocked(address!, byAddress.LockedUntil, byAddress.Lockouts, now);
        }
        if (lockouts.FirstOrDefault(l => l.Subject == userKey) is { } byUser)
        {
            return UserLocked(userKey!, byUser.LockedUntil, byUser.Lockouts, now);
        }
        return LockoutStatus.NotLocked;
    }

    /// <summary>
    /// Counts a failed attempt against the address and, when <paramref name="countsForUser"/> (a wrong code, a bad
    /// signature, a denied approval: a guess at this account), against the user. A request that guesses nothing about the
    /// account — a key nobody enrolled, an unknown name, a method not offered — counts for the address alone, so anyone
    /// who can type a user name cannot also drive that user into lockout with it.
    /// </summary>
    public async Task<FailureRecorded> RecordFailureAsync(string? user, IPAddress? address, bool countsForUser = true, CancellationToken ct = default)
    {
        var options = _options;
        var now = _time.GetUtcNow();
        await PurgeIfDueAsync(now, ct).ConfigureAwait(false);
        var started = new List<LockoutStatus>();
        // Failures while locked neither count nor extend: a known lockout spares the store the write.
        var addressStatus = KnownLockout(null, address);
        if (address is not null && !addressStatus.IsLockedOut)
        {
            var key = LoginSubjects.Address(address);
            var rule = new AuthFailureRule(options.MaxFailuresPerAddress, options.Window, [options.LockoutDuration], options.Window);
            var state = await _store.RecordAuthFailureAsync(key, rule, now, ct: ct).ConfigureAwait(false);
            if (state.IsLockedAt(now))
            {
                _known.Remember(key, state.LockedUntil!.Value, state.Lockouts, now);
                addressStatus = AddressLocked(address, state.LockedUntil.Value, state.Lockouts, now);
                if (state.StartedLockout)
                {
                    started.Add(addressStatus);
                }
            }
        }
        var userStatus = KnownLockout(user, null);
        if (countsForUser && LoginSubjects.User(user) is { } userKey && !userStatus.IsLockedOut)
        {
            var rule = new AuthFailureRule(options.MaxFailuresPerUser, options.UserWindow, options.UserLockoutSchedule(), options.LockoutMemory);
            var state = await _store.RecordAuthFailureAsync(userKey, rule, now, ct: ct).ConfigureAwait(false);
            if (state.IsLockedAt(now))
            {
                _known.Remember(userKey, state.LockedUntil!.Value, state.Lockouts, now);
                userStatus = UserLocked(userKey, state.LockedUntil.Value, state.Lockouts, now);
                if (state.StartedLockout)
                {
                    started.Add(userStatus);
                }
            }
        }
        return new FailureRecorded(addressStatus.IsLockedOut ? addressStatus : userStatus, started);
    }

    /// <summary>
    /// After a login: takes back the failures the same connection counted against its address before it succeeded (the
    /// keys an agent offers before the enrolled one), so a developer with several keys does not use up the address budget
    /// of a whole office. Safe because a connection keeps one user name: its failures were guesses at its own account.
    /// The user's count is kept: the legitimate user logging in must not reset the count of someone guessing their code.
    /// </summary>
    public Task ForgiveAsync(IPAddress? address, int failures, CancellationToken ct = default) =>
        address is null || failures <= 0
            ? Task.CompletedTask
            : _store.ForgiveAuthFailuresAsync(LoginSubjects.Address(address), failures, _time.GetUtcNow(), ct);

    private async Task PurgeIfDueAsync(DateTimeOffset now, CancellationToken ct)
    {
        var due = Interlocked.Read(ref _nextPurgeTicks);
        if (now.UtcTicks < due || Interlocked.CompareExchange(ref _nextPurgeTicks, (now + PurgeEvery).UtcTicks, due) != due)
        {
            return;
        }
        await _store.PurgeAuthFailuresAsync(now, ct).ConfigureAwait(false);
    }

    private LockoutStatus AddressLocked(IPAddress address, DateTimeOffset until, int number, DateTimeOffset now) =>
        new(true, $"address {LoginSubjects.Network(address)} is locked out after {_options.MaxFailuresPerAddress} failed logins", until - now)
        {
            Kind = "address",
            Subject = LoginSubjects.Network(address),
            Number = number,
        };

    private LockoutStatus UserLocked(string userKey, DateTimeOffset until, int number, DateTimeOffset now)
    {
        var name = userKey["user:".Length..];
        var repeat = number > 1 ? $" (lockout {number} in a row)" : "";
        return new LockoutStatus(true, $"user {name} is locked out after {_options.MaxFailuresPerUser} failed logins{repeat}", until - now)
        {
            Kind = "user",
            Subject = name,
            Number = number,
        };
    }
}
