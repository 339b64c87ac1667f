using System.Collections.Concurrent;
using Bastion.Gateway.Inventory.Ec2;

namespace Bastion.Gateway.Tests.Inventory.Ec2;

/// <summary>An <see cref="IEc2AccountFetcher"/> that answers from a per-account script: queued outcomes first, then a default.</summary>
internal sealed class ScriptedFetcher : IEc2AccountFetcher
{
    private readonly ConcurrentDictionary<string, ConcurrentQueue<Func<Ec2AccountFetch>>> _queued = new();
    private readonly ConcurrentDictionary<string, Func<Ec2AccountFetch>> _defaults = new();

    public int Calls;

    /// <summary>From now on, the account answers these instances.</summary>
    public void Serve(Ec2AccountOptions account, params string[] names) =>
        _defaults[account.Id] = () => new Ec2AccountFetch(names.Select(n => Instance(account, n)).ToList());

    /// <summary>From now on, the account answers exactly this (instances, security groups, a group error).</summary>
    public void Serve(Ec2AccountOptions account, Ec2AccountFetch fetch) => _defaults[account.Id] = () => fetch;

    /// <summary>From now on, the account fails with this exception.</summary>
    public void FailWith(Ec2AccountOptions account, Exception ex) => _defaults[account.Id] = () => throw ex;

    /// <summary>The next call for the account fails with this exception, then the default applies again.</summary>
    public void FailOnceWith(Ec2AccountOptions account, Exception ex) =>
        _queued.GetOrAdd(account.Id, _ => new()).Enqueue(() => throw ex);

    public Task<Ec2AccountFetch> FetchAsync(Ec2AccountOptions account, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref Calls);
        try
        {
            var outcome = _queued.TryGetValue(account.Id, out var queue) && queue.TryDequeue(out var next)
                ? next
                : _defaults.GetValueOrDefault(account.Id, () => new Ec2AccountFetch([]));
            return Task.FromResult(outcome());
        }
        catch (Exception ex)
        {
            return Task.FromException<Ec2AccountFetch>(ex);
        }
    }

    public static Ec2Instance Instance(Ec2AccountOptions account, string name) => new(
        "i-" + name, name, "running", ["10.0.0.1"], null, "vpc-1", account.Id, account.Alias, account.Regions[0],
        new Dictionary<string, string> { ["Name"] = name }, null);
}
