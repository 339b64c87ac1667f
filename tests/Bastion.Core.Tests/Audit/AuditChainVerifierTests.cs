using Bastion.Core.Audit;
using Bastion.Core.Store;
using Bastion.Core.Tests.Support;

namespace Bastion.Core.Tests.Audit;

/// <summary>
/// Verifying while gateways keep appending. CI saw `audit verify` report "the chain head records event 1743 as the
/// newest, but the events end at 1741: the newest events were deleted" while a load test was writing: the events were
/// read first and the head after, and two appends landed in between. A false alarm of deletion is as bad as a missed one.
/// </summary>
public abstract class AuditChainVerifierTests(StoreProvider provider)
{
    [Fact]
    public async Task Appends_landing_while_the_chain_is_walked_are_not_reported_as_deleted_events()
    {
        await using var fixture = await StoreFixture.CreateAsync(provider);
        await fixture.Store.AppendAuditEventsAsync(Enumerable.Range(0, 2500).Select(Event).ToList());
        // Every page read is followed by two appends from "another node", as under load.
        var busy = new AppendingWhileRead(fixture.Store);

        var verification = await AuditChainVerifier.VerifyAsync(busy, CancellationToken.None);

        Assert.True(verification.Ok, verification.Problem);
        Assert.True(busy.Appended >= 6, $"only {busy.Appended} appends interleaved");
        Assert.True((await AuditChainVerifier.VerifyAsync(fixture.Store, CancellationToken.None)).Ok);
    }

    [Fact]
    public async Task The_newest_events_deleted_are_still_found_with_the_head_read_first()
    {
        await using var fixture = await StoreFixture.CreateAsync(provider);
        await fixture.Store.AppendAuditEventsAsync(Enumerable.Range(0, 10).Select(Event).ToList());
        await fixture.ExecuteSqlAsync("DELETE FROM audit_events WHERE seq > 8;");

        var verification = await AuditChainVerifier.VerifyAsync(fixture.Store, CancellationToken.None);

        Assert.False(verification.Ok);
        Assert.Contains("records event 10 as the newest, but the events end at 8", verification.Problem);
    }

    private static AuditEvent Event(int i) => new(AuditEventTypes.AuthSuccess) { User = $"u{i}" };

    private sealed class AppendingWhileRead(IAuditStore inner) : IAuditStore
    {
        public int Appended { get; private set; }

        public Task<IReadOnlyList<AuditRecord>> AppendAuditEventsAsync(IReadOnlyList<AuditEvent> events, CancellationToken ct = default) =>
            inner.AppendAuditEventsAsync(events, ct);

        public async Task<IReadOnlyList<AuditRecord>> ReadAuditEventsAsync(long afterSeq, int limit, CancellationToken ct = default)
        {
            var page = await inner.ReadAuditEventsAsync(afterSeq, limit, ct);
            await inner.AppendAuditEventsAsync([Event(-1), Event(-2)], ct);
            Appended += 2;
            return page;
        }

        public Task<AuditChainHead?> GetAuditChainHeadAsync(CancellationToken ct = default) => inner.GetAuditChainHeadAsync(ct);

        public Task<AuditPage> QueryAuditEventsAsync(AuditQuery query, CancellationToken ct = default) => inner.QueryAuditEventsAsync(query, ct);
    }
}

public sealed class AuditChainVerifierTestsOnSqlite() : AuditChainVerifierTests(StoreProvider.Sqlite);

public sealed class AuditChainVerifierTestsOnPostgres() : AuditChainVerifierTests(StoreProvider.Postgres);
