using System.Text.Json;
using Bastion.Gateway.Tests.Infrastructure;

namespace Bastion.Gateway.Tests.Cli;

/// <summary>
/// <c>bastion audit search</c> on real CLI-written events: filters by type prefix, user and time, oldest first,
/// --json lines as in audit.jsonl (hash included), -n keeps the newest, and a time it cannot read is refused.
/// </summary>
public sealed class AuditSearchTests : IDisposable
{
    private readonly TempDirectory _dir = new("bastion-search");

    private string Data => _dir.SubDirectory("data");

    [Fact]
    public async Task Filters_by_type_user_and_time_oldest_first_with_json_for_scripts()
    {
        foreach (var name in new[] { "alice", "bob", "carol" })
        {
            await GatewayCli.RunCheckedAsync(Data, "user", "add", name);
        }
        await GatewayCli.RunCheckedAsync(Data, "target", "add", "web-1", "127.0.10.1:22");
        var events = (await GatewayCli.RunCheckedAsync(Data, "audit", "search", "--json")).StandardOutput
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(4, events.Count);
        Assert.Equal([1L, 2L, 3L, 4L], events.Select(e => e.GetProperty("seq").GetInt64()));
        Assert.All(events, e => Assert.Matches("^[0-9a-f]{64}$", e.GetProperty("hash").GetString()));

        var users = await GatewayCli.RunCheckedAsync(Data, "audit", "search", "--type", "admin.user.");
        var lines = users.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        Assert.Contains("subject=alice", lines[0], StringComparison.Ordinal);
        Assert.Contains("subject=carol", lines[2], StringComparison.Ordinal);
        Assert.Contains("3 events", users.StandardError, StringComparison.Ordinal);

        var newest = await GatewayCli.RunCheckedAsync(Data, "audit", "search", "--type", "admin.user.", "-n", "1");
        Assert.Contains("subject=carol", Assert.Single(newest.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries)), StringComparison.Ordinal);

        // From the third event's time on: the third and the fourth.
        var third = events[2].GetProperty("ts").GetString()!;
        var later = await GatewayCli.RunCheckedAsync(Data, "audit", "search", "--since", third, "--json");
        Assert.Equal([3L, 4L], later.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("seq").GetInt64()));
        var recent = await GatewayCli.RunCheckedAsync(Data, "audit", "search", "--since", "1h", "--type", "admin.target.");
        Assert.Contains("subject=web-1", recent.StandardOutput, StringComparison.Ordinal);
        var nobody = await GatewayCli.RunCheckedAsync(Data, "audit", "search", "--user", "nobody");
        Assert.Equal("", nobody.StandardOutput);

        var badTime = await GatewayCli.RunAsync(Data, "audit", "search", "--since", "yesterday");
        Assert.Equal(2, badTime.ExitCode);
        Assert.Contains("\"yesterday\" is not a time", badTime.StandardError, StringComparison.Ordinal);
        var tooMany = await GatewayCli.RunAsync(Data, "audit", "search", "-n", "0");
        Assert.Equal(2, tooMany.ExitCode);
    }

    public void Dispose() => _dir.Dispose();
}
