using System.Globalization;
using Bastion.Core.Audit;
using Bastion.Core.Keys;
using Bastion.Core.Store;
using Bastion.Core.Tests.Support;

namespace Bastion.Core.Tests.Store;

/// <summary>
/// Several gateway nodes on one PostgreSQL database. Each "node" is its own store instance with its own connection
/// pool, so nothing but the database can keep them consistent.
/// </summary>
public sealed class MultiNodeTests
{
    private const int Nodes = 8;

    [Fact]
    public async Task Eight_nodes_appending_ten_thousand_events_form_one_chain_that_verifies()
    {
        const int total = 10_000;
        await using var fixture = await StoreFixture.CreateAsync(StoreProvider.Postgres);
        var trails = new List<AuditTrail>();
        for (var node = 0; node < Nodes; node++)
        {
            var trail = new AuditTrail(node == 0 ? fixture.Store : await fixture.OpenAnotherAsync(), new AuditTrailOptions { MaxBatchSize = 17 + node * 13 }, fixture.Time);
            trail.Start();
            trails.Add(trail);
        }
        try
        {
            await Task.WhenAll(trails.Select((trail, node) => Task.Run(async () =>
            {
                for (var i = 0; i < total / Nodes; i++)
                {
                    await trail.AppendAsync(new AuditEvent(AuditEventTypes.ChannelOpen)
                    {
                        SessionId = $"node-{node}",
                        Data = new Dictionary<string, string> { ["i"] = i.ToString(CultureInfo.InvariantCulture) },
                    });
                }
                await trail.FlushAsync();
            })));

            var verification = await trails[3].VerifyAsync();
            Assert.True(verification.Ok, verification.Problem);
            Assert.Equal(total, verification.EventsChecked);
            Assert.Equal(total, (await fixture.Store.GetAuditChainHeadAsync())!.LastSeq);

            // Every event exactly once, each node's events in the order that node wrote them.
            var stored = new List<AuditRecord>();
            for (long after = 0; stored.Count < total;)
            {
                var page = await fixture.Store.ReadAuditEventsAsync(after, 1000);
                Assert.NotEmpty(page);
                stored.AddRange(page);
                after = page[^1].Seq;
            }
            Assert.Equal(Enumerable.Range(1, total).Select(i => (long)i), stored.Select(r => r.Seq));
            foreach (var node in stored.GroupBy(r => r.SessionId))
            {
                Assert.Equal(Enumerable.Range(0, total / Nodes).Select(i => i.ToString(CultureInfo.InvariantCulture)), node.Select(r => r.Data["i"]));
            }
        }
        finally
        {
            foreach (var trail in trails)
            {
                await trail.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task A_totp_step_used_on_one_node_is_refused_on_another_and_a_race_has_one_winner()
    {
        await using var fixture = await StoreFixture.CreateAsync(StoreProvider.Postgres);
        var nodes = await OpenNodesAsync(fixture);
        var alice = await fixture.AddUserAsync("alice");
        await nodes[0].SetTotpCredentialAsync(alice.Id, [1, 2, 3]);

        Assert.True(await nodes[0].TryAdvanceTotpStepAsync(alice.Id, 1000));
        Assert.False(await nodes[1].TryAdvanceTotpStepAsync(alice.Id, 1000));
        Assert.False(await nodes[2].TryAdvanceTotpStepAsync(alice.Id, 999));

        for (var step = 1001L; step < 1021; step++)
        {
            var attempts = await RaceAsync(nodes, 32, (node, _) => node.TryAdvanceTotpStepAsync(alice.Id, step));
            Assert.Equal(1, attempts.Count(won => won));
        }
        Assert.Equal(1020, (await nodes[5].GetTotpCredentialAsync(alice.Id))!.LastAcceptedStep);
    }

    [Fact]
    public async Task Racing_security_key_and_webauthn_counters_have_exactly_one_winner()
    {
        await using var fixture = await StoreFixture.CreateAsync(StoreProvider.Postgres);
        var nodes = await OpenNodesAsync(fixture);
        var alice = await fixture.AddUserAsync("alice");
        var key = await fixture.Store.AddSshKeyAsync("alice", AuthorizedKeyLine.Parse(SshKeygen.Generate(fixture.Directory, "ed25519")));
        var credential = await fixture.Store.AddWebAuthnCredentialAsync(new NewWebAuthnCredential(alice.Id, [7, 7, 7], [1], 0, "key"));

        for (var counter = 1u; counter <= 20; counter++)
        {
            var sk = await RaceAsync(nodes, 32, (node, _) => node.TryAdvanceSecurityKeyCounterAsync(key.Id, counter));
            Assert.Equal(1, sk.Count(won => won));
            var webauthn = await RaceAsync(nodes, 32, (node, _) => node.TryRecordWebAuthnUseAsync(credential.Id, counter));
            Assert.Equal(1, webauthn.Count(won => won));
        }
        Assert.Equal(20, (await nodes[7].FindSshKeyAsync(key.Fingerprint))!.SecurityKeyCounter);
        Assert.Equal(20, (await nodes[6].FindWebAuthnCredentialAsync([7, 7, 7]))!.SignatureCounter);
    }

    [Fact]
    public async Task Invites_and_approvals_are_single_use_across_nodes_and_kill_requests_reach_the_other_node()
    {
        await using var fixture = await StoreFixture.CreateAsync(StoreProvider.Postgres);
        var nodes = await OpenNodesAsync(fixture);
        var alice = await fixture.AddUserAsync("alice");
        var now = fixture.Time.GetUtcNow();

        var (_, invite) = await InviteTokens.IssueAsync(nodes[0], alice, TimeSpan.FromHours(1), now, "test");
        Assert.Equal(1, (await RaceAsync(nodes, 32, (node, _) => node.TryRedeemInviteAsync(invite.Id))).Count(won => won));

        await nodes[1].CreateLoginApprovalAsync(new LoginApproval("APPROVE1", "alice", "203.0.113.7:1", "SSH-2.0-x", now, now.AddMinutes(2), LoginApprovalState.Pending, null, null));
        Assert.Equal(1, (await RaceAsync(nodes, 32, (node, i) => node.DecideLoginApprovalAsync("APPROVE1", approve: true, $"admin{i}"))).Count(won => won));
        Assert.Equal(LoginApprovalState.Approved, (await nodes[2].GetLoginApprovalAsync("APPROVE1"))!.State);

        var kill = await nodes[3].RequestKillAsync("session-on-b", "auditor");
        Assert.Equal([kill], await nodes[4].PendingKillRequestsAsync(["session-on-b"]));
        await nodes[4].MarkKillHandledAsync(kill.Id);
        Assert.Empty(await nodes[3].PendingKillRequestsAsync(["session-on-b"]));
    }

    private static async Task<IReadOnlyList<IBastionStore>> OpenNodesAsync(StoreFixture fixture)
    {
        var nodes = new List<IBastionStore> { fixture.Store };
        while (nodes.Count < Nodes)
        {
            nodes.Add(await fixture.OpenAnotherAsync());
        }
        return nodes;
    }

    /// <summary>Runs <paramref name="attempts"/> calls at once, spread round-robin over the nodes.</summary>
    private static async Task<bool[]> RaceAsync(IReadOnlyList<IBastionStore> nodes, int attempts, Func<IBastionStore, int, Task<bool>> attempt)
    {
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var tasks = Enumerable.Range(0, attempts).Select(i => Task.Run(async () =>
        {
            await start.Task;
            return await attempt(nodes[i % nodes.Count], i);
        })).ToList();
        start.SetResult();
        return await Task.WhenAll(tasks);
    }
}
