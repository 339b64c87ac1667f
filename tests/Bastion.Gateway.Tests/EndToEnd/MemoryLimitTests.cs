using Bastion.Gateway.Tests.Failures;
using Bastion.Gateway.Tests.Infrastructure;

namespace Bastion.Gateway.Tests.EndToEnd;

/// <summary>
/// The gateway short of memory: started with a 48 MiB GC heap limit (as a cgroup's MemoryMax would leave it, but
/// reachable in seconds), one asyncssh process asks for 2,000 forwarded sessions. The gateway takes what fits, refuses
/// the rest before the key exchange with its sentence, keeps the sessions it took moving checksummed data, stays up,
/// and once the load is gone lets a person log in again. (Without the admission check, a 32 MiB limit made the runtime
/// crash at ~480 sessions, dropping all of them.)
/// </summary>
public sealed class MemoryLimitTests : IAsyncLifetime
{
    private const int Attempts = 2000;
    private const string Refusal = "Bastion: this gateway is short of memory and cannot take another connection now";

    private BastionTestbed _bed = null!;

    public async Task InitializeAsync() => _bed = await BastionTestbed.StartWithoutRulesAsync(
        new Dictionary<string, string?> { ["DOTNET_GCHeapHardLimit"] = "0x3000000" }, LoadClient.ServeArgs);

    public async Task DisposeAsync() => await _bed.DisposeAsync();

    [Fact]
    public async Task Short_of_memory_new_connections_are_refused_with_a_message_and_held_sessions_keep_moving_data()
    {
        var load = await LoadClient.PrepareAsync(_bed);

        var report = await load.RunAsync(Attempts, rounds: 2);
        var context = $"load report: {report}\n{_bed.Logs()}";

        Assert.False(_bed.Gateway.HasExited, $"the gateway died short of memory (exit {_bed.Gateway.ExitCode})\n{context}");
        var held = report.GetProperty("held_connections").GetInt32();
        Assert.True(held >= 200 && held < Attempts, $"expected the heap limit to stop it between 200 and {Attempts} sessions, held {held}\n{context}");
        Assert.Equal(held, report.GetProperty("held_channels").GetInt32());
        var refused = LoadClient.Counts(report, "refused_connections");
        Assert.Equal(Attempts - held, refused.Values.Sum());
        Assert.All(refused.Keys, k => Assert.Contains(Refusal, k, StringComparison.Ordinal));
        Assert.Equal(2, report.GetProperty("data_rounds_ok").GetInt32());
        Assert.Empty(LoadClient.Counts(report, "data_failures"));
        Assert.Equal(0, report.GetProperty("closed_while_held").GetInt32());
        Assert.Contains("refused", _bed.Gateway.Output, StringComparison.Ordinal);
        Assert.Contains("for memory: load", _bed.Gateway.Output, StringComparison.Ordinal);

        // The load is gone: the figures come back down (the gateway collects while it refuses) and a person logs in.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            var probe = await load.RunAsync(1, rounds: 1);
            if (probe.GetProperty("held_connections").GetInt32() == 1)
            {
                break;
            }
            Assert.True(DateTime.UtcNow < deadline, $"still refusing a minute after the load went away: {probe}\n{_bed.Logs()}");
            await Task.Delay(TimeSpan.FromSeconds(3));
        }
        var verify = await GatewayCli.RunAsync(_bed.DataDirectory, "audit", "verify");
        Assert.True(verify.Succeeded, $"the audit chain does not verify after the load\n{verify.Describe()}");
        await _bed.AssertStillServesAsync();
    }
}
