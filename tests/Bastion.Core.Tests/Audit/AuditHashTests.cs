using Bastion.Core.Audit;

namespace Bastion.Core.Tests.Audit;

public sealed class AuditHashTests
{
    private static readonly DateTimeOffset At = new(2030, 1, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Data_key_order_does_not_change_the_hash()
    {
        var a = Hash(data: new Dictionary<string, string> { ["a"] = "1", ["b"] = "2" });
        var b = Hash(data: new Dictionary<string, string> { ["b"] = "2", ["a"] = "1" });
        Assert.Equal(a, b);
    }

    [Fact]
    public void Every_field_is_covered_and_the_encoding_is_unambiguous()
    {
        var baseline = Hash();
        Assert.NotEqual(baseline, Hash(seq: 2));
        Assert.NotEqual(baseline, Hash(at: At.AddTicks(1)));
        Assert.NotEqual(baseline, Hash(type: "auth.failure"));
        Assert.NotEqual(baseline, Hash(severity: AuditSeverity.Warning));
        Assert.NotEqual(baseline, Hash(user: "bob"));
        Assert.NotEqual(baseline, Hash(prev: Enumerable.Repeat((byte)1, 32).ToArray()));
        // null and "" differ; shifting text between adjacent fields changes the hash.
        Assert.NotEqual(Hash(user: null), Hash(user: ""));
        Assert.NotEqual(Hash(user: "ab", source: "c"), Hash(user: "a", source: "bc"));
        Assert.NotEqual(
            Hash(data: new Dictionary<string, string> { ["k"] = "v1" }),
            Hash(data: new Dictionary<string, string> { ["k"] = "v", ["1"] = "" }));
    }

    [Fact]
    public void The_same_instant_in_another_offset_hashes_the_same()
    {
        Assert.Equal(Hash(), Hash(at: At.ToOffset(TimeSpan.FromHours(2))));
    }

    private static byte[] Hash(long seq = 1, DateTimeOffset? at = null, string type = "auth.success", AuditSeverity severity = AuditSeverity.Info,
        string? user = "alice", string? source = "203.0.113.7:5000", Dictionary<string, string>? data = null, byte[]? prev = null) =>
        AuditHash.Compute(seq, at ?? At, type, severity, "s1", user, source, data ?? [], prev ?? new byte[32]);
}
