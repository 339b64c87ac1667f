using System.Net;
using Bastion.Core.Keys;

namespace Bastion.Core.Tests.Keys;

/// <summary>from="…" matched as sshd's match_host_and_ip matches it without DNS (UseDNS no).</summary>
public sealed class SourcePatternsTests
{
    [Theory]
    [InlineData("127.0.0.2", "127.0.0.2", true)]
    [InlineData("127.0.0.2", "127.0.0.1", false)]
    [InlineData("10.0.0.0/8", "10.200.3.4", true)]
    [InlineData("10.0.0.0/8", "11.0.0.1", false)]
    [InlineData("0.0.0.0/0", "203.0.113.9", true)]
    [InlineData("192.168.1.128/25", "192.168.1.127", false)]
    [InlineData("192.168.1.128/25", "192.168.1.200", true)]
    [InlineData("127.0.0.*", "127.0.0.77", true)]
    [InlineData("127.0.0.?", "127.0.0.7", true)]
    [InlineData("127.0.0.?", "127.0.0.77", false)]
    [InlineData("10.*,192.168.1.7", "192.168.1.7", true)]
    [InlineData("2001:db8::/32", "2001:db8:1::5", true)]
    [InlineData("2001:db8::/32", "2001:db9::5", false)]
    [InlineData("2001:DB8::1", "2001:db8::1", true)]
    [InlineData("10.0.0.0/8", "2001:db8::1", false)]
    public void A_positive_entry_must_match_the_client_address(string patterns, string client, bool allowed)
    {
        var refusal = SourcePatterns.Parse(patterns).Refusal(IPAddress.Parse(client));
        Assert.Equal(allowed, refusal is null);
        if (!allowed)
        {
            Assert.Equal($"key option from=\"{patterns}\" does not match {IPAddress.Parse(client)}", refusal);
        }
    }

    [Theory]
    [InlineData("!127.0.0.1,127.0.0.*", "127.0.0.1", "!127.0.0.1", "127.0.0.2")]
    [InlineData("127.0.0.0/8,!127.0.0.0/24", "127.0.0.9", "!127.0.0.0/24", "127.0.1.9")]
    [InlineData("10.*,!10.1.*", "10.1.2.3", "!10.1.*", "10.2.2.3")]
    public void A_matching_negated_entry_refuses_whatever_else_matches(string patterns, string refused, string entry, string allowed)
    {
        var from = SourcePatterns.Parse(patterns);
        Assert.Equal($"key option from=\"{patterns}\" refuses {refused} (entry {entry})", from.Refusal(IPAddress.Parse(refused)));
        Assert.Null(from.Refusal(IPAddress.Parse(allowed)));
    }

    [Fact]
    public void Only_negated_entries_allow_nobody()
    {
        // As in sshd: a negation only refuses; something must still match positively.
        Assert.NotNull(SourcePatterns.Parse("!10.0.0.1").Refusal(IPAddress.Parse("192.0.2.1")));
    }

    [Fact]
    public void An_ipv4_mapped_client_address_is_matched_as_ipv4()
    {
        Assert.Null(SourcePatterns.Parse("127.0.0.2").Refusal(IPAddress.Parse("127.0.0.2").MapToIPv6()));
    }

    [Theory]
    [InlineData("laptop.corp.example", "is not an address")]
    [InlineData("*.corp.example", "is not an address")]
    [InlineData("!bad.example,10.0.0.0/8", "is not an address")]
    [InlineData("10.0.0.1/8", "write the network address, e.g. 10.0.0.0/8")]
    [InlineData("10.0.0.0/33", "prefix length outside 0..32")]
    [InlineData("10.0.0.0/x", "prefix length outside")]
    [InlineData("10.0/8", "is not a CIDR block")]
    [InlineData("10.0.0.0,,10.1.0.0", "empty entry")]
    [InlineData("!", "empty entry")]
    public void Entries_that_could_never_match_an_address_are_refused_with_the_fix(string patterns, string message)
    {
        var error = Assert.Throws<FormatException>(() => SourcePatterns.Parse(patterns));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.Contains("from=", error.Message, StringComparison.Ordinal);
    }
}
