using Bastion.Gateway.Tests.Infrastructure;

namespace Bastion.Gateway.Tests.Failures;

/// <summary>
/// A real run for <see cref="AuditChainTests"/>: several logins (and a few failures) through the gateway, then the
/// gateway is stopped (flushing the audit queue) and the data directory is kept as a pristine snapshot that each
/// test copies before tampering with it.
/// </summary>
public sealed class AuditChainFixture : TestBedFixture
{
    /// <summary>Copy of the data directory taken after the gateway stopped.</summary>
    public string Snapshot { get; private set; } = "";

    /// <summary>The events of the real run.</summary>
    public IReadOnlyList<AuditRow> Events { get; private set; } = [];

    /// <inheritdoc />
    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        var alice = await Bed.AddUserAsync(Bed.UniqueName("alice"));
        var bob = await Bed.AddUserAsync(Bed.UniqueName("bob"));
        var carol = await Bed.AddUserAsync(Bed.UniqueName("carol"));
        await Bed.LoginAsync(alice);
        await Bed.LoginAsync(bob);
        await Bed.LoginAsync(alice);
        await Bed.SshThroughGatewayAsync(bob, bob.WrongCode()); // auth.failure
        await Bed.SshThroughGatewayAsync(carol, await carol.FreshCodeAsync(), host: "web-2"); // channel.denied
        await Bed.Gateway.StopAsync();
        Assert.Equal(0, Bed.Gateway.ExitCode);

        Events = Bed.ReadAudit();
        Snapshot = Bed.Directory.SubDirectory("snapshot");
        CopyDirectory(Bed.DataDirectory, Snapshot);
    }

    /// <summary>A fresh copy of the snapshot for one test to tamper with.</summary>
    public string CopyOfSnapshot(string name)
    {
        var copy = Bed.Directory.SubDirectory("copies/" + name);
        CopyDirectory(Snapshot, copy);
        return copy;
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)), overwrite: true);
        }
    }
}

/// <summary>
/// The audit trail's hash chain after a real run: <c>bastion audit verify</c> passes, and detects an event edited in
/// SQLite (naming its sequence number) and deleted events (naming the gap), exiting 1; a database rewritten with
/// recomputed hashes passes the chain but not <c>audit verify --against</c> the audit.jsonl written at the time.
/// </summary>
public sealed class AuditChainTests(AuditChainFixture fixture) : IClassFixture<AuditChainFixture>
{
    [Fact]
    public async Task Verify_passes_after_a_real_run_with_several_logins()
    {
        var events = fixture.Events;
        Assert.True(events.Count(e => e.Type == "auth.success") >= 3, string.Join('\n', events));
        Assert.Contains(events, e => e.Type == "auth.failure");
        Assert.Contains(events, e => e.Type == "channel.denied");
        Assert.Contains(events, e => e.Type == "channel.close");
        var data = fixture.CopyOfSnapshot("untouched");

        var verify = await GatewayCli.RunAsync(data, "audit", "verify");

        Assert.True(verify.ExitCode == 0, verify.Describe());
        Assert.Contains($"audit chain OK: {events.Count} events verified", verify.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_names_the_sequence_number_of_an_event_edited_in_sqlite()
    {
        var data = fixture.CopyOfSnapshot("edited");
        var success = fixture.Events.First(e => e.Type == "auth.success");
        // Make the second factor disappear from the record, as someone covering a key-only login might.
        var changed = AuditDatabase.Execute(Path.Combine(data, "bastion.db"),
            "UPDATE audit_events SET data = replace(data, 'publickey,keyboard-interactive', 'publickey') WHERE seq = $seq;", ("$seq", success.Seq));
        Assert.Equal(1, changed);
        Assert.Equal("publickey", AuditDatabase.Read(Path.Combine(data, "bastion.db"), success.Seq - 1)[0]["methods"]);

        var verify = await GatewayCli.RunAsync(data, "audit", "verify");

        Assert.True(verify.ExitCode == 1, verify.Describe());
        Assert.Contains($"audit chain BROKEN at event {success.Seq}: event {success.Seq} was modified", verify.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_names_the_gap_left_by_a_deleted_event()
    {
        var data = fixture.CopyOfSnapshot("deleted");
        var victim = fixture.Events.First(e => e.Type == "auth.failure");
        Assert.NotEqual(fixture.Events[^1].Seq, victim.Seq); // a gap in the middle, not the newest event
        var deleted = AuditDatabase.Execute(Path.Combine(data, "bastion.db"), "DELETE FROM audit_events WHERE seq = $seq;", ("$seq", victim.Seq));
        Assert.Equal(1, deleted);

        var verify = await GatewayCli.RunAsync(data, "audit", "verify");

        Assert.True(verify.ExitCode == 1, verify.Describe());
        Assert.Contains($"audit chain BROKEN at event {victim.Seq}: event {victim.Seq} is missing (seq jumps from {victim.Seq - 1} to {victim.Seq + 1})",
            verify.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_detects_that_the_newest_events_were_deleted()
    {
        var data = fixture.CopyOfSnapshot("truncated");
        var last = fixture.Events[^1].Seq;
        var deleted = AuditDatabase.Execute(Path.Combine(data, "bastion.db"), "DELETE FROM audit_events WHERE seq > $seq;", ("$seq", last - 2));
        Assert.Equal(2, deleted);

        var verify = await GatewayCli.RunAsync(data, "audit", "verify");

        Assert.True(verify.ExitCode == 1, verify.Describe());
        Assert.Contains($"audit chain BROKEN at event {last - 1}", verify.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("the newest events were deleted", verify.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_database_rewritten_with_recomputed_hashes_passes_the_chain_but_not_the_copy_shipped_at_the_time()
    {
        var data = fixture.CopyOfSnapshot("rewritten");
        var shipped = Path.Combine(data, "audit.jsonl");
        var before = await GatewayCli.RunAsync(data, "audit", "verify", "--against", shipped);
        Assert.True(before.ExitCode == 0, before.Describe());
        Assert.Contains($"matches {shipped}: {fixture.Events.Count} events compared", before.StandardOutput, StringComparison.Ordinal);

        // Someone who can write the database drops the second factor from a login and rebuilds the chain after it.
        var success = fixture.Events.First(e => e.Type == "auth.success");
        using (var store = await Bastion.Core.Store.Sqlite.SqliteStore.OpenAsync(new Bastion.Core.Store.Sqlite.SqliteStoreOptions(Path.Combine(data, "bastion.db")) { Pooling = false }))
        {
            await Bastion.Core.Tests.Support.AuditRewriter.RewriteAsync(store,
                sql => Task.FromResult(AuditDatabase.Execute(Path.Combine(data, "bastion.db"), sql)),
                r => r.Seq == success.Seq
                    ? Bastion.Core.Tests.Support.AuditRewriter.AsEvent(r) with { Data = new Dictionary<string, string>(r.Data) { ["methods"] = "publickey" } }
                    : null);
        }

        var chainOnly = await GatewayCli.RunAsync(data, "audit", "verify");
        Assert.True(chainOnly.ExitCode == 0, "the rewrite was meant to pass the chain check on its own: " + chainOnly.Describe());
        // Each node's copy can be given; one that does not match is enough to fail.
        var partial = Path.Combine(data, "first-events.jsonl");
        await File.WriteAllLinesAsync(partial, (await File.ReadAllLinesAsync(shipped)).Take((int)success.Seq - 1));
        var against = await GatewayCli.RunAsync(data, "audit", "verify", "--against", partial, "--against", shipped);
        Assert.True(against.ExitCode == 1, against.Describe());
        Assert.Contains($"matches {partial}: {success.Seq - 1} events compared", against.StandardOutput, StringComparison.Ordinal);
        Assert.Contains($"DOES NOT MATCH {shipped} at event {success.Seq}: event {success.Seq} in the database (auth.success) is not the event shipped", against.StandardOutput, StringComparison.Ordinal);

        // The same copy fed through stdin, as from journalctl or a Graylog export.
        var piped = await ProcessRunner.RunAsync(GatewayBinary.Spec(data, ["audit", "verify", "--against", "-"]) with { StandardInputFile = shipped });
        Assert.Equal(1, piped.ExitCode);
        Assert.Contains("DOES NOT MATCH the copy on stdin", piped.StandardOutput, StringComparison.Ordinal);
    }
}
