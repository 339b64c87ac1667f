using System.Net;
using Bastion.Core.Keys;

namespace Bastion.Core.Tests.Keys;

/// <summary>Options read as sshd reads them (auth-options.c), then asked at login, at direct-tcpip and at pty-req.</summary>
public sealed class KeyRestrictionsTests
{
    private static readonly DateTimeOffset Now = new(2030, 6, 15, 12, 0, 0, TimeSpan.Zero);
    private static readonly IPAddress Client = IPAddress.Parse("127.0.0.1");

    [Fact]
    public void A_key_without_options_is_not_restricted()
    {
        var none = Read("");
        Assert.Null(none.LoginRefusal(Client, Now));
        Assert.Null(none.ForwardingRefusal());
        Assert.Null(none.OpenRefusal("web-2.dev", 22, "web-2", "10.0.0.2", 22));
        Assert.Null(none.PtyRefusal());
    }

    [Fact]
    public void From_refuses_other_addresses_and_names_the_option()
    {
        var key = Read("from=\"127.0.0.2\"");
        Assert.Null(key.LoginRefusal(IPAddress.Parse("127.0.0.2"), Now));
        Assert.Equal(new KeyRefusal("from", "key option from=\"127.0.0.2\" does not match 127.0.0.1"), key.LoginRefusal(Client, Now));
        Assert.Equal("from", key.LoginRefusal(null, Now)!.Option);
    }

    [Theory]
    [InlineData("20300615", true)]                // midnight UTC that day: passed at noon
    [InlineData("20300616", false)]
    [InlineData("203006151159", true)]
    [InlineData("203006151200", false)]           // sshd refuses only once the time is behind it
    [InlineData("20300615120001Z", false)]
    [InlineData("20300615115959UTC", true)]
    public void Expiry_time_is_read_in_utc_in_sshds_three_lengths(string value, bool refused)
    {
        var refusal = Read($"expiry-time=\"{value}\"").LoginRefusal(Client, Now);
        Assert.Equal(refused, refusal is not null);
        if (refused)
        {
            Assert.Equal("expiry-time", refusal!.Option);
            Assert.StartsWith($"key option expiry-time=\"{value}\" passed at 2030-06-15 ", refusal.Reason, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Of_several_expiry_times_the_earliest_holds()
    {
        var key = Read("expiry-time=\"20310101\",expiry-time=\"20300101\"");
        Assert.Equal(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero), key.ExpiresAt!.Value.At);
        Assert.Contains("expiry-time=\"20300101\"", key.LoginRefusal(Client, Now)!.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("2030061")]
    [InlineData("203013010000")]
    [InlineData("20300230")]
    [InlineData("+20300101")]
    [InlineData("2030-06-15")]
    [InlineData("20300615 1200")]
    [InlineData("tomorrow")]
    public void An_expiry_time_that_is_not_a_time_is_refused_with_the_format(string value)
    {
        var error = Assert.Throws<FormatException>(() => Read($"expiry-time=\"{value}\""));
        Assert.Contains("YYYYMMDD", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("no-port-forwarding", "no-port-forwarding")]
    [InlineData("restrict", "restrict")]
    [InlineData("restrict,port-forwarding", null)]
    [InlineData("port-forwarding,restrict", "restrict")]      // order matters, as in sshd
    [InlineData("no-port-forwarding,port-forwarding", null)]
    [InlineData("no-pty", null)]
    public void Forwarding_is_off_after_no_port_forwarding_or_restrict_until_port_forwarding(string options, string? offBy)
    {
        var refusal = Read(options).ForwardingRefusal();
        Assert.Equal(offBy, refusal?.Option);
        if (refusal is not null)
        {
            Assert.Contains($"key option {offBy}", refusal.Reason, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("no-pty", "no-pty")]
    [InlineData("restrict", "restrict")]
    [InlineData("restrict,pty", null)]
    [InlineData("restrict,port-forwarding", "restrict")]
    [InlineData("no-port-forwarding", null)]
    [InlineData("NO-PTY", "no-pty")]
    public void The_terminal_is_off_after_no_pty_or_restrict_until_pty(string options, string? offBy) =>
        Assert.Equal(offBy, Read(options).PtyRefusal()?.Option);

    [Theory]
    [InlineData("permitopen=\"web-1:22\"", "web-1.dev", 22, "web-1", "10.0.0.1", 22, true)]         // the inventory name
    [InlineData("permitopen=\"web-1.dev:22\"", "web-1.dev", 22, "web-1", "10.0.0.1", 22, true)]     // what was typed
    [InlineData("permitopen=\"10.0.0.1:22\"", "web-1.dev", 22, "web-1", "10.0.0.1", 22, true)]      // the address
    [InlineData("permitopen=\"WEB-1:22\"", "web-1.dev", 22, "web-1", "10.0.0.1", 22, true)]
    [InlineData("permitopen=\"web-1:22\"", "web-2.dev", 22, "web-2", "10.0.0.2", 22, false)]
    [InlineData("permitopen=\"web-1:2222\"", "web-1.dev", 22, "web-1", "10.0.0.1", 2222, true)]    // the target's own port
    [InlineData("permitopen=\"web-1:2200\"", "web-1.dev", 22, "web-1", "10.0.0.1", 22, false)]
    [InlineData("permitopen=\"web-1:*\"", "web-1.dev", 22, "web-1", "10.0.0.1", 22, true)]
    [InlineData("permitopen=\"*:22\"", "db-9.dev", 22, "db-9", "10.0.0.9", 22, true)]
    [InlineData("permitopen=\"web-1:22\",permitopen=\"web-2:22\"", "web-2", 22, "web-2", "10.0.0.2", 22, true)]
    [InlineData("permitopen=\"web-*:22\"", "web-1", 22, "web-1", "10.0.0.1", 22, false)]            // literal, as in sshd
    [InlineData("permitopen=\"[2001:db8::1]:22\"", "web-6", 22, "web-6", "2001:db8::1", 22, true)]
    public void Permitopen_matches_the_name_typed_the_target_name_or_its_address(
        string options, string typed, int port, string name, string address, int targetPort, bool allowed)
    {
        var refusal = Read(options).OpenRefusal(typed, port, name, address, targetPort);
        Assert.Equal(allowed, refusal is null);
    }

    [Fact]
    public void A_permitopen_refusal_lists_what_the_key_allows_and_what_was_asked()
    {
        var refusal = Read("permitopen=\"web-1:22\"").OpenRefusal("web-2.dev", 22, "web-2", "10.0.0.2", 22);
        Assert.Equal(new KeyRefusal("permitopen",
            "key option permitopen=\"web-1:22\" does not allow web-2.dev:22 (target web-2 at 10.0.0.2:22)"), refusal);
    }

    [Theory]
    [InlineData("web-1")]
    [InlineData(":22")]
    [InlineData("web-1:0")]
    [InlineData("web-1:65536")]
    [InlineData("web-1:ssh")]
    [InlineData("2001:db8::1:22")]
    [InlineData("[2001:db8::1]22")]
    public void A_permitopen_that_is_not_host_port_is_refused_with_an_example(string value)
    {
        var error = Assert.Throws<FormatException>(() => Read($"permitopen=\"{value}\""));
        Assert.Contains("permitopen=\"web-1:22\"", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_second_from_is_refused()
    {
        var error = Assert.Throws<FormatException>(() => Read("from=\"10.0.0.1\",from=\"10.0.0.2\""));
        Assert.Contains("given twice", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("no-touch-required", true, false)]
    [InlineData("no-touch-required,touch-required", false, false)]
    [InlineData("verify-required", false, true)]
    public void Security_key_flags_are_read(string options, bool noTouch, bool verify)
    {
        var key = Read(options);
        Assert.Equal((noTouch, verify), (key.NoTouchRequired, key.VerifyRequired));
    }

    [Fact]
    public void Options_that_only_take_away_what_the_gateway_never_offers_are_accepted()
    {
        var key = Read("no-agent-forwarding,no-X11-forwarding,no-user-rc");
        Assert.Null(key.ForwardingRefusal());
        Assert.Null(key.PtyRefusal());
    }

    internal static KeyRestrictions Read(string options) =>
        KeyRestrictions.Parse(options.Length == 0 ? [] : AuthorizedKeyLine.Parse($"{options} {KeyOptionRulesTests.KeyText}").Options);
}
