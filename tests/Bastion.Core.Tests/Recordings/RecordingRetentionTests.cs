using Bastion.Core.Audit;
using Bastion.Core.Recordings;
using Bastion.Core.Store;
using Bastion.Core.Tests.Support;

namespace Bastion.Core.Tests.Recordings;

/// <summary>Retention against a real store: only ended recordings past the cut-off go, each deletion audited, once across nodes.</summary>
public sealed class RecordingRetentionTests
{
    [Fact]
    public async Task Ended_recordings_past_the_cut_off_are_deleted_once_and_each_deletion_is_audited()
    {
        await using var fixture = await StoreFixture.CreateAsync();
        var other = await fixture.OpenAnotherAsync();
        await using var trail = new AuditTrail(fixture.Store, timeProvider: fixture.Time);
        var now = fixture.Time.GetUtcNow();
        await AddAsync(fixture.Store, "old-complete", now.AddDays(-100), RecordingStatus.Complete);
        await AddAsync(fixture.Store, "old-lost", now.AddDays(-95), RecordingStatus.Lost);
        await AddAsync(fixture.Store, "recent", now.AddDays(-10), RecordingStatus.Complete);
        await AddAsync(fixture.Store, "old-but-live", now.AddDays(-200), null);

        var cutOff = now.AddDays(-90);
        Assert.Equal(2, await RecordingRetention.PruneAsync(fixture.Store, trail, cutOff, "cli:root", "prune older than 90 days", CancellationToken.None));
        Assert.Equal(0, await RecordingRetention.PruneAsync(other, trail, cutOff, "node:b", "retention 90 days", CancellationToken.None));

        Assert.Equal(["recent", "old-but-live"], (await fixture.Store.ListRecordingsAsync(new RecordingQuery())).Select(r => r.Id));
        var deletions = (await fixture.Store.QueryAuditEventsAsync(new AuditQuery { Type = AuditEventTypes.RecordingDeleted })).Events;
        Assert.Equal(["old-complete", "old-lost"], deletions.Select(e => e.Data["recording_id"]).Order());
        var complete = deletions.Single(e => e.Data["recording_id"] == "old-complete");
        Assert.Equal(new string('a', 64), complete.Data["sha256"]);
        Assert.Equal("cli:root", complete.User);
        Assert.Equal("prune older than 90 days", complete.Data["reason"]);
        Assert.True((await AuditChainVerifier.VerifyAsync(fixture.Store, CancellationToken.None)).Ok);
    }

    private static async Task AddAsync(IBastionStore store, string id, DateTimeOffset started, string? status)
    {
        await store.CreateRecordingAsync(new RecordingInfo(id, "s-" + id, "node-a", "alice", "127.0.0.1:1", "web-1", "127.0.10.1:22", "root", null,
            80, 24, started, null, 0, null, RecordingStatus.Recording));
        if (status == RecordingStatus.Complete)
        {
            await store.SealRecordingAsync(id, started.AddMinutes(5), 0, new string('a', 64), status);
        }
        else if (status == RecordingStatus.Lost)
        {
            await store.MarkUnsealedRecordingsLostAsync("node-a", started.AddMinutes(5));
        }
    }
}
