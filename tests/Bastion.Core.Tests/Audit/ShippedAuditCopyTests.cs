using System.Text;
using Bastion.Core.Audit;
using Bastion.Core.Audit.Export;
using Bastion.Core.Tests.Support;

namespace Bastion.Core.Tests.Audit;

/// <summary>
/// The store's chain against a copy shipped at the time, in the forms operators keep (audit.jsonl, journald lines
/// with a level prefix among other log lines, GELF fields): a matching copy passes, a database rewritten with
/// recomputed hashes (which the chain alone accepts) and deleted newest events do not. Runs on both stores.
/// </summary>
public abstract class ShippedAuditCopyTests(StoreProvider provider)
{
    [Fact]
    public async Task A_copy_written_at_the_time_matches_in_every_shipped_form_and_with_other_nodes_gaps()
    {
        await using var fixture = await StoreFixture.CreateAsync(provider);
        var records = await AppendAsync(fixture, 2500);
        var lines = new JsonLinesFormatter();

        var file = string.Join("\n", records.Select(r => Encoding.UTF8.GetString(lines.Format(r))));
        var fromFile = await ShippedAuditCopy.CompareAsync(fixture.Store, new StringReader(file));
        Assert.True(fromFile.Matches, fromFile.Problem);
        Assert.Equal(2500, fromFile.Compared);
        Assert.Equal((1, 2500), (fromFile.FirstSeq, fromFile.LastSeq));

        // journald: "<6>" before each line, the gateway's own log lines between them; this node wrote every third
        // event only (others came from other nodes), and some lines arrive out of order.
        var journal = new StringBuilder("gateway starting\n");
        foreach (var record in records.Where(r => r.Seq % 3 == 0).Reverse())
        {
            journal.Append("<6>").Append(Encoding.UTF8.GetString(lines.Format(record))).Append("\ninfo: Bastion.Gateway[0] something else\n");
        }
        var fromJournal = await ShippedAuditCopy.CompareAsync(fixture.Store, new StringReader(journal.ToString()));
        Assert.True(fromJournal.Matches, fromJournal.Problem);
        Assert.Equal(833, fromJournal.Compared);
        Assert.Equal(834, fromJournal.Ignored);

        var gelf = new GelfFormatter("bastion-1");
        var graylog = string.Join("\n", records.Skip(100).Take(50).Select(r => Encoding.UTF8.GetString(gelf.Format(r))));
        var fromGraylog = await ShippedAuditCopy.CompareAsync(fixture.Store, new StringReader(graylog));
        Assert.True(fromGraylog.Matches, fromGraylog.Problem);
        Assert.Equal(50, fromGraylog.Compared);
    }

    [Fact]
    public async Task A_rewritten_database_verifies_on_its_own_but_not_against_the_copy()
    {
        await using var fixture = await StoreFixture.CreateAsync(provider);
        await using var trail = new AuditTrail(fixture.Store, timeProvider: fixture.Time);
        var records = await AppendAsync(fixture, 40);
        var copy = string.Join("\n", records.Select(r => Encoding.UTF8.GetString(new JsonLinesFormatter().Format(r))));

        await AuditRewriter.RewriteAsync(fixture.Store, sql => fixture.ExecuteSqlAsync(sql), r => r.Seq == 17
            ? AuditRewriter.AsEvent(r) with { Data = new Dictionary<string, string> { ["target"] = "somewhere-innocent" } }
            : null);

        Assert.True((await trail.VerifyAsync()).Ok, "the rewrite should leave a chain that verifies on its own");
        var comparison = await ShippedAuditCopy.CompareAsync(fixture.Store, new StringReader(copy));
        Assert.False(comparison.Matches);
        Assert.Equal(17, comparison.MismatchSeq);
        Assert.Equal(16, comparison.Compared);
        Assert.Contains("rewritten after the fact", comparison.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Newest_events_deleted_with_the_head_moved_back_are_named()
    {
        await using var fixture = await StoreFixture.CreateAsync(provider);
        var records = await AppendAsync(fixture, 30);
        var copy = string.Join("\n", records.Select(r => Encoding.UTF8.GetString(new JsonLinesFormatter().Format(r))));
        await AuditRewriter.RewriteAsync(fixture.Store, sql => fixture.ExecuteSqlAsync(sql), _ => null);
        await fixture.ExecuteSqlAsync("DELETE FROM audit_events WHERE seq > 25;");
        await fixture.ExecuteSqlAsync("UPDATE audit_chain_head SET last_seq = 25, last_hash = (SELECT hash FROM audit_events WHERE seq = 25);");

        var comparison = await ShippedAuditCopy.CompareAsync(fixture.Store, new StringReader(copy));

        Assert.Equal(26, comparison.MismatchSeq);
        Assert.Contains("the copy has event 26, the database does not", comparison.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_copy_without_audit_events_is_not_a_match()
    {
        await using var fixture = await StoreFixture.CreateAsync(provider);
        await AppendAsync(fixture, 3);

        var comparison = await ShippedAuditCopy.CompareAsync(fixture.Store, new StringReader("hello\n{\"seq\": 1}\n{\"seq\":1,\"hash\":\"zz\"}\n"));

        Assert.False(comparison.Matches);
        Assert.Equal(0, comparison.Compared);
        Assert.Equal(3, comparison.Ignored);
    }

    private static async Task<IReadOnlyList<AuditRecord>> AppendAsync(StoreFixture fixture, int count)
    {
        var stored = new List<AuditRecord>();
        foreach (var chunk in Enumerable.Range(1, count).Chunk(500))
        {
            stored.AddRange(await fixture.Store.AppendAuditEventsAsync(chunk.Select(i => new AuditEvent(AuditEventTypes.ChannelOpen)
            {
                User = "alice",
                SourceAddress = "127.0.0.1:5000",
                Data = new Dictionary<string, string> { ["target"] = $"web-{i}" },
            }).ToList()));
        }
        return stored;
    }
}

public sealed class ShippedAuditCopyTestsOnSqlite() : ShippedAuditCopyTests(StoreProvider.Sqlite);

public sealed class ShippedAuditCopyTestsOnPostgres() : ShippedAuditCopyTests(StoreProvider.Postgres);
