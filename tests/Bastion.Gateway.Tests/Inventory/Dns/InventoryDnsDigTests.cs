namespace Bastion.Gateway.Tests.Inventory.Dns;

/// <summary>The responder as a developer's machine sees it: real <c>dig</c> over UDP and TCP against 127.0.0.1.</summary>
public sealed class InventoryDnsDigTests : IAsyncLifetime
{
    private RunningDnsServer _dns = null!;

    public async Task InitializeAsync() => _dns = await RunningDnsServer.StartAsync(DnsTestInventory.Create());

    public async Task DisposeAsync() => await _dns.DisposeAsync();

    [Fact]
    public async Task Unique_name_answers_only_the_primary_private_address()
    {
        var answer = await Dig.ShortAsync(_dns.Port, "web-1.dev.example", "A");
        Assert.Equal(["127.0.10.5"], answer);
    }

    [Fact]
    public async Task Name_with_account_alias_answers_and_is_authoritative()
    {
        var output = await Dig.RunAsync(_dns.Port, "web-1.dev-a.dev.example", "A");
        Assert.Equal("NOERROR", Dig.Status(output));
        Assert.Contains(" aa", output, StringComparison.Ordinal); // flags: qr aa rd
        Assert.Contains("127.0.10.5", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Names_are_case_insensitive()
    {
        Assert.Equal(["127.0.10.5"], await Dig.ShortAsync(_dns.Port, "WEB-1.Dev-A.DEV.example", "A"));
    }

    [Fact]
    public async Task Name_in_two_accounts_answers_only_with_its_alias()
    {
        var ambiguous = await Dig.RunAsync(_dns.Port, "db.dev.example", "A");
        Assert.Equal("NOERROR", Dig.Status(ambiguous));
        Assert.Equal(0, Dig.AnswerCount(ambiguous));

        Assert.Equal(["127.0.10.6"], await Dig.ShortAsync(_dns.Port, "db.dev-a.dev.example", "A"));
        Assert.Equal(["127.0.10.7"], await Dig.ShortAsync(_dns.Port, "db.dev-b.dev.example", "A"));
    }

    [Fact]
    public async Task Stopped_instance_has_no_address_but_its_name_exists()
    {
        var output = await Dig.RunAsync(_dns.Port, "batch.dev.example", "A");
        Assert.Equal("NOERROR", Dig.Status(output));
        Assert.Equal(0, Dig.AnswerCount(output));
    }

    [Fact]
    public async Task Dotted_name_tag_resolves_as_several_labels()
    {
        Assert.Equal(["127.0.10.9"], await Dig.ShortAsync(_dns.Port, "api.internal.dev.example", "A"));
        Assert.Equal(["127.0.10.9"], await Dig.ShortAsync(_dns.Port, "api.internal.dev-b.dev.example", "A"));
    }

    [Fact]
    public async Task Reverse_lookup_names_instance_with_its_account()
    {
        Assert.Equal(["web-1.dev-a.dev.example."], await Dig.ShortAsync(_dns.Port, "-x", "127.0.10.5"));
        Assert.Equal(["web-1.dev-a.dev.example."], await Dig.ShortAsync(_dns.Port, "-x", "10.20.0.5"));
        Assert.Equal(["batch.dev-b.dev.example."], await Dig.ShortAsync(_dns.Port, "-x", "127.0.10.8"));
        Assert.Equal(["api.internal.dev-b.dev.example."], await Dig.ShortAsync(_dns.Port, "-x", "127.0.10.9"));
    }

    [Fact]
    public async Task Unknown_reverse_address_is_nxdomain_and_partial_reverse_name_is_nodata()
    {
        Assert.Equal("NXDOMAIN", Dig.Status(await Dig.RunAsync(_dns.Port, "-x", "127.0.10.99")));
        var partial = await Dig.RunAsync(_dns.Port, "10.in-addr.arpa", "PTR");
        Assert.Equal("NOERROR", Dig.Status(partial));
        Assert.Equal(0, Dig.AnswerCount(partial));
    }

    [Fact]
    public async Task Unknown_name_in_zone_is_nxdomain_with_soa()
    {
        var output = await Dig.RunAsync(_dns.Port, "nope.dev.example", "A");
        Assert.Equal("NXDOMAIN", Dig.Status(output));
        Assert.Contains("AUTHORITY: 1", output, StringComparison.Ordinal);
        Assert.Contains("SOA", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_name_in_a_known_account_is_nxdomain()
    {
        Assert.Equal("NXDOMAIN", Dig.Status(await Dig.RunAsync(_dns.Port, "nope.dev-a.dev.example", "A")));
        Assert.Equal("NXDOMAIN", Dig.Status(await Dig.RunAsync(_dns.Port, "web-1.dev-b.dev.example", "A")));
    }

    [Fact]
    public async Task Account_alias_alone_exists_without_records()
    {
        var output = await Dig.RunAsync(_dns.Port, "dev-a.dev.example", "A");
        Assert.Equal("NOERROR", Dig.Status(output));
        Assert.Equal(0, Dig.AnswerCount(output));
    }

    [Fact]
    public async Task Names_outside_the_zone_are_refused()
    {
        Assert.Equal("REFUSED", Dig.Status(await Dig.RunAsync(_dns.Port, "example.com", "A")));
        Assert.Equal("REFUSED", Dig.Status(await Dig.RunAsync(_dns.Port, "web-1.example", "A")));
        Assert.Equal("REFUSED", Dig.Status(await Dig.RunAsync(_dns.Port, "-x", "2001:db8::1")));
    }

    [Fact]
    public async Task Aaaa_for_known_name_is_nodata()
    {
        var output = await Dig.RunAsync(_dns.Port, "web-1.dev.example", "AAAA");
        Assert.Equal("NOERROR", Dig.Status(output));
        Assert.Equal(0, Dig.AnswerCount(output));
    }

    [Fact]
    public async Task Zone_apex_answers_soa()
    {
        var answer = await Dig.ShortAsync(_dns.Port, "dev.example", "SOA");
        Assert.Single(answer);
        Assert.StartsWith("dev.example. hostmaster.dev.example. 1 ", answer[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tcp_answers_like_udp()
    {
        Assert.Equal(["127.0.10.5"], await Dig.ShortAsync(_dns.Port, "+tcp", "web-1.dev.example", "A"));
        Assert.Equal(["web-1.dev-a.dev.example."], await Dig.ShortAsync(_dns.Port, "+tcp", "-x", "127.0.10.5"));
        Assert.Equal("NXDOMAIN", Dig.Status(await Dig.RunAsync(_dns.Port, "+tcp", "nope.dev.example", "A")));
    }

    [Fact]
    public async Task Non_query_opcode_is_not_implemented()
    {
        Assert.Equal("NOTIMP", Dig.Status(await Dig.RunAsync(_dns.Port, "+opcode=status", "web-1.dev.example", "A")));
    }

    [Fact]
    public async Task Next_query_sees_a_replaced_index()
    {
        Assert.Equal("NXDOMAIN", Dig.Status(await Dig.RunAsync(_dns.Port, "web-2.dev.example", "A")));

        _dns.Index = new([DnsTestInventory.Instance("web-2", "i-0web2", "dev-a", "running", "127.0.10.20")]);

        Assert.Equal(["127.0.10.20"], await Dig.ShortAsync(_dns.Port, "web-2.dev.example", "A"));
        Assert.Equal("NXDOMAIN", Dig.Status(await Dig.RunAsync(_dns.Port, "web-1.dev.example", "A")));
        Assert.Equal(["web-2.dev-a.dev.example."], await Dig.ShortAsync(_dns.Port, "-x", "127.0.10.20"));
    }
}
