using Bastion.Gateway.Tests.Infrastructure;

namespace Bastion.Gateway.Tests.EndToEnd;

/// <summary>
/// Acceptance item 3: bulk data keeps flowing, intact, across many key re-exchanges on the gateway hop — first asked
/// for by the client (RekeyLimit 1M), then started by the gateway itself (Bastion:Ssh:RekeyAfterBytes=1048576)
/// while the client never asks. Each test runs its own gateway (the rekey limit is a start-up setting); the gateway
/// logs its own rekey decisions at Debug level, which tells the two apart.
/// </summary>
public sealed class RekeyTests
{
    private const long SixtyFourMiB = 64L * 1024 * 1024;
    private const string ServerInitiatedLog = "starting server-initiated rekey";
    private const string DebugTransportLog = "--Logging:LogLevel:Bastion.Ssh=Debug";

    [Fact]
    public async Task Client_initiated_rekeys_every_MiB_during_a_64MiB_transfer()
    {
        await using var bed = await BastionTestbed.StartAsync(DebugTransportLog);
        await bed.AddAutomationUserAsync("rekey-client");
        var client = bed.NewClient("rekey-client", [("RekeyLimit", "1M")]);

        await TransferBothWaysAsync(bed, client);

        var rekeys = await WaitForRekeysAsync(bed, client, atLeast: 16);
        Assert.All(rekeys, r => Assert.Equal("true", r["rekey"]));
        // The gateway's own limit (1 GiB by default) was never reached: every rekey was the client's.
        Assert.DoesNotContain(ServerInitiatedLog, bed.Gateway.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Server_initiated_rekeys_every_MiB_during_a_64MiB_transfer()
    {
        await using var bed = await BastionTestbed.StartAsync("--Bastion:Ssh:RekeyAfterBytes=1048576", DebugTransportLog);
        await bed.AddAutomationUserAsync("rekey-server");
        // The client is told not to rekey on its own for data or time (its default data limit is far above 64 MiB).
        var client = bed.NewClient("rekey-server", [("RekeyLimit", "default none")]);

        await TransferBothWaysAsync(bed, client);

        await WaitForRekeysAsync(bed, client, atLeast: 16);
        Assert.Contains(ServerInitiatedLog, bed.Gateway.Output, StringComparison.Ordinal);
    }

    /// <summary>sftp put then get of 64 MiB over one jumped connection; both copies must keep the SHA-256.</summary>
    private static async Task TransferBothWaysAsync(BastionTestbed bed, GatewayClient client)
    {
        var local = Path.Combine(client.Ssh.Directory, "data.bin");
        var expected = await EndToEndFiles.WriteRandomFileAsync(local, SixtyFourMiB);
        var remote = Path.Combine(bed.Target.Directory, "rekey.bin");
        var back = Path.Combine(client.Ssh.Directory, "back.bin");

        var result = await client.Ssh.SftpAsync(BastionTestbed.TargetHost, $"put {local} {remote}\nget {remote} {back}\n",
            new SshCallOptions { Timeout = TimeSpan.FromMinutes(3) });

        Assert.True(result.Succeeded, result.Describe() + bed.Logs());
        Assert.Equal(expected, await EndToEndFiles.Sha256Async(remote));
        Assert.Equal(expected, await EndToEndFiles.Sha256Async(back));
    }

    private static async Task<IReadOnlyList<AuditLine>> WaitForRekeysAsync(BastionTestbed bed, GatewayClient client, int atLeast)
    {
        var audit = await bed.WaitForAuditAsync(l => l.Any(e => client.Owns(e) && e.Type == "disconnect"), $"disconnect of {client.User}");
        var kex = audit.Where(e => client.Owns(e) && e.Type == "kex.completed").ToList();
        var rekeys = kex.Where(e => e["rekey"] == "true").ToList();
        Assert.True(rekeys.Count >= atLeast,
            $"expected at least {atLeast} kex.completed with rekey=true for {client.User}, saw {rekeys.Count}:\n" +
            string.Join('\n', kex.Select(e => e.Text)) + bed.Logs());
        // One initial exchange, every other one a rekey of the same connection with the same negotiated algorithms.
        Assert.Single(kex, e => e["rekey"] is null);
        Assert.All(rekeys, r => Assert.Equal(kex[0]["cipher"], r["cipher"]));
        return rekeys;
    }
}
