using Bastion.Core.Inventory;

namespace Bastion.Core.Tests.Inventory;

public sealed class NameTagRulesTests
{
    private static readonly HashSet<string> Aliases = new(["dev-a", "dev-b"], StringComparer.OrdinalIgnoreCase);

    [Theory]
    [InlineData("web-1")]
    [InlineData("Web-01")]
    [InlineData("a")]
    [InlineData("api.internal")]
    [InlineData("i-love-cats")]       // "i-" but not an instance id: 'l' is not a hex digit
    [InlineData("ip-address-book")]
    [InlineData("10-things")]
    [InlineData("web.dev-c")]         // dev-c is no account's alias
    public void Ordinary_names_are_names(string tag) => Assert.Null(NameTagRules.WhyNotAName(tag, Aliases.Contains));

    [Theory]
    [InlineData("", "is empty")]
    [InlineData("-web", "DNS label set")]
    [InlineData("web-", "DNS label set")]
    [InlineData("web_1", "DNS label set")]
    [InlineData("web 1", "DNS label set")]
    [InlineData("a..b", "DNS label set")]
    [InlineData(".web", "DNS label set")]
    [InlineData("web.", "DNS label set")]
    [InlineData("evil\u001b[2J", "DNS label set")]
    [InlineData("evil\nx", "DNS label set")]
    [InlineData("caf\u00e9", "DNS label set")]
    [InlineData("::1", "DNS label set")]
    [InlineData("i-0abc123", "looks like an instance id")]
    [InlineData("I-0ABC123", "looks like an instance id")]
    [InlineData("i-0abc123.eu-west-1.compute.internal", "looks like an instance id")]
    [InlineData("10.1.2.3", "looks like an IP address")]
    [InlineData("10", "looks like an IP address")]
    [InlineData("ip-10-1-2-3", "looks like a private DNS name")]
    [InlineData("IP-10-1-2-3.ec2.internal", "looks like a private DNS name")]
    [InlineData("dev-a", "is an account alias")]
    [InlineData("web-1.dev-a", "ends in .dev-a, an account alias")]
    [InlineData("web-1.DEV-B", "ends in .DEV-B, an account alias")]
    public void Names_that_spell_another_kind_or_leave_the_dns_label_set_are_refused(string tag, string reason) =>
        Assert.Contains(reason, NameTagRules.WhyNotAName(tag, Aliases.Contains), StringComparison.Ordinal);

    [Fact]
    public void Labels_and_names_longer_than_dns_allows_are_refused()
    {
        Assert.Null(NameTagRules.WhyNotAName(new string('a', 63), Aliases.Contains));
        Assert.Contains("DNS label set", NameTagRules.WhyNotAName(new string('a', 64), Aliases.Contains), StringComparison.Ordinal);
        Assert.Contains("longer than 253", NameTagRules.WhyNotAName(string.Join('.', Enumerable.Repeat(new string('a', 60), 5)), Aliases.Contains), StringComparison.Ordinal);
    }
}
