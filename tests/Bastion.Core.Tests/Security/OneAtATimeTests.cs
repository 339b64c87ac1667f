using Bastion.Core.Security;

namespace Bastion.Core.Tests.Security;

public sealed class OneAtATimeTests
{
    [Fact]
    public async Task Work_for_one_key_runs_one_piece_at_a_time_other_keys_alongside_and_nothing_is_kept_after()
    {
        var gate = new OneAtATime();
        var running = new Dictionary<string, int>();
        var most = new Dictionary<string, int>();
        async Task<int> Work(string key)
        {
            lock (running)
            {
                running[key] = running.GetValueOrDefault(key) + 1;
                most[key] = Math.Max(most.GetValueOrDefault(key), running[key]);
                most["all"] = Math.Max(most.GetValueOrDefault("all"), running.Values.Sum());
            }
            await Task.Delay(20);
            lock (running)
            {
                running[key]--;
            }
            return 1;
        }

        var done = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Task.Run(() => gate.RunAsync(i % 2 == 0 ? "alice" : "bob", () => Work(i % 2 == 0 ? "alice" : "bob")))));

        Assert.Equal(20, done.Sum());
        Assert.Equal(1, most["alice"]);
        Assert.Equal(1, most["bob"]);
        Assert.Equal(2, most["all"]);
        Assert.Equal(0, gate.ActiveKeys);
    }

    [Fact]
    public async Task A_waiter_that_gives_up_leaves_no_trace_and_a_failing_piece_frees_the_key()
    {
        var gate = new OneAtATime();
        var release = new TaskCompletionSource();
        var first = gate.RunAsync("alice", async () => { await release.Task; return 1; });
        using var cancel = new CancellationTokenSource();
        var waiter = gate.RunAsync("alice", () => Task.FromResult(2), cancel.Token);

        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiter);
        release.SetResult();
        Assert.Equal(1, await first);
        await Assert.ThrowsAsync<InvalidOperationException>(() => gate.RunAsync<int>("alice", () => throw new InvalidOperationException("boom")));

        Assert.Equal(3, await gate.RunAsync("alice", () => Task.FromResult(3)));
        Assert.Equal(0, gate.ActiveKeys);
    }
}
