using Bastion.Core.Audit;
using Bastion.Core.Store;
using Bastion.Core.Tests.Support;

namespace Bastion.Core.Tests.Store;

/// <summary>
/// Store contract for how nodes meet: live sessions, kill requests and login approvals written through one store
/// instance are seen and decided through another. Runs once per provider.
/// </summary>
public abstract class SessionStoreTests(StoreProvider provider)
{
    [Fact]
    public async Task Live_sessions_are_listed_by_every_node_and_a_restarted_node_drops_its_own()
    {
        await using var fixture = await StoreFixture.CreateAsync(provider);
        var other = await fixture.OpenAnotherAsync();
        var start = fixture.Time.GetUtcNow();
        await fixture.Store.UpsertLiveSessionAsync(Session("c1", "s1", "node-a", start));
        await other.UpsertLiveSessionAsync(Session("c2", "s2", "node-b", start.AddSeconds(1)));
        await fixture.Store.UpsertLiveSessionAsync(Session("c1", "s1", "node-a", start) with { BytesFromClient = 10, BytesToClient = 20, UpdatedAt = start.AddSeconds(5) });

        var listed = await other.ListLiveSessionsAsync();
        Assert.Equal(["c1", "c2"], listed.Select(s => s.ChannelId));
        Assert.Equal(Session("c1", "s1", "node-a", start) with { BytesFromClient = 10, BytesToClient = 20, UpdatedAt = start.AddSeconds(5) }, listed[0]);

        Assert.Equal([Session("c2", "s2", "node-b", start.AddSeconds(1))], await fixture.Store.TakeLiveSessionsOfNodeAsync("node-b"));
        Assert.Empty(await other.TakeLiveSessionsOfNodeAsync("node-b")); // taken once: a second taker records nothing
        await other.RemoveLiveSessionAsync("c1");
        Assert.Empty(await fixture.Store.ListLiveSessionsAsync());
    }

    [Fact]
    public async Task A_node_silent_past_the_deadline_is_retired_by_exactly_one_peer()
    {
        await using var fixture = await StoreFixture.CreateAsync(provider);
        var peers = new[] { fixture.Store, await fixture.OpenAnotherAsync(), await fixture.OpenAnotherAsync() };
        var start = fixture.Time.GetUtcNow();
        Assert.False(await fixture.Store.RecordNodeHeartbeatAsync(new GatewayNode("node-a", start, start, "1.0", "10.0.0.1:22")));
        Assert.False(await peers[1].RecordNodeHeartbeatAsync(new GatewayNode("node-b", start, start.AddSeconds(5), "1.0", "10.0.0.2:22")));
        Assert.True(await peers[1].RecordNodeHeartbeatAsync(new GatewayNode("node-b", start, start.AddSeconds(30), "1.1", "10.0.0.2:22")));

        var nodes = await peers[2].ListNodesAsync();
        Assert.Equal(["node-a", "node-b"], nodes.Select(n => n.NodeId));
        Assert.Equal(new GatewayNode("node-b", start, start.AddSeconds(30), "1.1", "10.0.0.2:22"), nodes[1]);

        // node-b beat at +30 s, so a deadline of +20 s does not retire it; node-a (last seen at start) goes, once.
        Assert.False(await peers[0].TryRetireNodeAsync("node-b", start.AddSeconds(20)));
        var retired = await Task.WhenAll(peers.Select(p => p.TryRetireNodeAsync("node-a", start.AddSeconds(20))));
        Assert.Single(retired, r => r);
        Assert.Equal(["node-b"], (await fixture.Store.ListNodesAsync()).Select(n => n.NodeId));
        // node-a was only cut off from the store: its next beat finds its row gone (and puts it back).
        Assert.False(await fixture.Store.RecordNodeHeartbeatAsync(new GatewayNode("node-a", start, start.AddSeconds(40), "1.0", "10.0.0.1:22")));
        Assert.True(await fixture.Store.RecordNodeHeartbeatAsync(new GatewayNode("node-a", start, start.AddSeconds(41), "1.0", "10.0.0.1:22")));
        Assert.True(await peers[0].TryRetireNodeAsync("node-a", start.AddSeconds(50)));

        await peers[1].RemoveNodeAsync("node-b");
        Assert.Empty(await fixture.Store.ListNodesAsync());
    }

    [Fact]
    public async Task A_kill_request_from_one_node_is_seen_once_by_the_node_holding_the_session()
    {
        await using var fixture = await StoreFixture.CreateAsync(provider);
        var node = await fixture.OpenAnotherAsync();

        var request = await fixture.Store.RequestKillAsync("s1", "auditor");
        Assert.Equal(fixture.Time.GetUtcNow(), request.RequestedAt);
        var pending = await node.PendingKillRequestsAsync(["s1", "s9"]);
        Assert.Equal([request], pending);
        Assert.Empty(await node.PendingKillRequestsAsync(["s2"]));
        Assert.Empty(await node.PendingKillRequestsAsync([]));

        await node.MarkKillHandledAsync(request.Id);
        Assert.Empty(await fixture.Store.PendingKillRequestsAsync(["s1"]));
    }

    [Fact]
    public async Task A_login_approval_is_decided_once_across_nodes_and_not_after_it_expired()
    {
        await using var fixture = await StoreFixture.CreateAsync(provider);
        var admin = await fixture.OpenAnotherAsync();
        var now = fixture.Time.GetUtcNow();
        var approval = new LoginApproval("CODE1", "alice", "203.0.113.7:5000", "SSH-2.0-OpenSSH_9.6", now, now.AddMinutes(2), LoginApprovalState.Pending, null, null);
        await fixture.Store.CreateLoginApprovalAsync(approval);
        await Assert.ThrowsAsync<StoreConflictException>(() => admin.CreateLoginApprovalAsync(approval));
        Assert.Equal(approval, await admin.GetLoginApprovalAsync("CODE1"));
        Assert.Null(await admin.GetLoginApprovalAsync("NOPE"));

        // Many clicks on two admin nodes: exactly one decision sticks.
        var decisions = await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            Task.Run(() => (i % 2 == 0 ? admin : fixture.Store).DecideLoginApprovalAsync("CODE1", approve: i % 3 != 0, $"admin{i}"))));
        Assert.Single(decisions, d => d);
        var decided = await fixture.Store.GetLoginApprovalAsync("CODE1");
        Assert.NotEqual(LoginApprovalState.Pending, decided!.State);
        Assert.Equal(now, decided.DecidedAt);

        await fixture.Store.CreateLoginApprovalAsync(approval with { Code = "CODE2" });
        fixture.Time.Advance(TimeSpan.FromMinutes(2));
        Assert.False(await admin.DecideLoginApprovalAsync("CODE2", approve: true, "late"));
        Assert.Equal(LoginApprovalState.Pending, (await fixture.Store.GetLoginApprovalAsync("CODE2"))!.State);
    }

    [Fact]
    public async Task A_login_approval_keeps_its_number_key_and_session_and_an_abandoned_one_cannot_be_decided()
    {
        await using var fixture = await StoreFixture.CreateAsync(provider);
        var admin = await fixture.OpenAnotherAsync();
        var now = fixture.Time.GetUtcNow();
        var approval = new LoginApproval("CODE3", "alice", "203.0.113.7:5000", "SSH-2.0-x", now, now.AddMinutes(2), LoginApprovalState.Pending, null, null)
        {
            SessionId = "s-42",
            KeyFingerprint = "SHA256:abc",
            MatchNumber = 47,
        };
        await fixture.Store.CreateLoginApprovalAsync(approval);
        Assert.Equal(approval, await admin.GetLoginApprovalAsync("CODE3"));

        Assert.True(await fixture.Store.AbandonLoginApprovalAsync("CODE3"));
        Assert.False(await fixture.Store.AbandonLoginApprovalAsync("CODE3"));
        Assert.False(await admin.DecideLoginApprovalAsync("CODE3", approve: true, "alice"));
        var abandoned = await admin.GetLoginApprovalAsync("CODE3");
        Assert.Equal(LoginApprovalState.Abandoned, abandoned!.State);
        Assert.Equal(now, abandoned.DecidedAt);
        Assert.Null(abandoned.DecidedBy);

        // A decided one is not abandoned afterwards: the decision stands in the record.
        await fixture.Store.CreateLoginApprovalAsync(approval with { Code = "CODE4" });
        Assert.True(await admin.DecideLoginApprovalAsync("CODE4", approve: false, "alice"));
        Assert.False(await fixture.Store.AbandonLoginApprovalAsync("CODE4"));
        Assert.Equal(LoginApprovalState.Denied, (await fixture.Store.GetLoginApprovalAsync("CODE4"))!.State);
    }

    [Fact]
    public async Task Hostile_text_with_nul_characters_is_audited_and_the_chain_verifies()
    {
        await using var fixture = await StoreFixture.CreateAsync(provider);
        var trail = new AuditTrail(fixture.Store, timeProvider: fixture.Time);

        var record = await trail.AppendNowAsync(new AuditEvent(AuditEventTypes.AuthFailure, AuditSeverity.Warning)
        {
            User = "root\0admin",
            Data = new Dictionary<string, string> { ["client\0"] = "SSH-2.0-\0evil" },
        });

        Assert.Equal("root\uFFFDadmin", record.User);
        Assert.Equal("SSH-2.0-\uFFFDevil", record.Data["client\uFFFD"]);
        Assert.Equal(record, (await fixture.Store.ReadAuditEventsAsync(0, 10)).Single(), AuditRecordComparer.Instance);
        Assert.True((await trail.VerifyAsync()).Ok);
    }

    private static LiveSession Session(string channel, string session, string node, DateTimeOffset start) =>
        new(channel, session, node, "alice", "203.0.113.7:5000", "web-1", "10.0.0.5:22", "i-0abc", "dev-a", start, 0, 0, start);
}

public sealed class SessionStoreTestsOnSqlite() : SessionStoreTests(StoreProvider.Sqlite);

public sealed class SessionStoreTestsOnPostgres() : SessionStoreTests(StoreProvider.Postgres);
