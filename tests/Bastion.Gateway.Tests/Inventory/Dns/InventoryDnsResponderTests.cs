using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;
using Bastion.Core.Inventory;
using Bastion.Gateway.Inventory.Dns;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bastion.Gateway.Tests.Inventory.Dns;

/// <summary>Rules that need no socket: the responder on its own, given a query message and an index.</summary>
public sealed class InventoryDnsResponderTests
{
    private readonly InventoryDnsResponder _responder = new(ZoneName.Parse(DnsTestInventory.Zone), 30, NullLogger.Instance);

    [Fact]
    public void Two_running_instances_with_one_name_in_one_account_answer_nodata()
    {
        var index = new InstanceIndex(
        [
            DnsTestInventory.Instance("app", "i-01", "dev-a", "running", "127.0.10.30"),
            DnsTestInventory.Instance("app", "i-02", "dev-a", "running", "127.0.10.31"),
        ]);

        var response = Ask("app.dev-a.dev.example", RecordType.A, index);

        Assert.Equal(ReturnCode.NoError, response.ReturnCode);
        Assert.Empty(response.AnswerRecords);
        Assert.IsType<SoaRecord>(Assert.Single(response.AuthorityRecords));
    }

    [Fact]
    public void Stopped_twin_makes_a_name_ambiguous_as_it_does_for_ssh()
    {
        // One resolution order for SSH and DNS: SSH lists both twins ("app matches 2 instances"), so DNS gives no
        // address either; NAME.ALIAS picks one in both.
        var index = new InstanceIndex(
        [
            DnsTestInventory.Instance("app", "i-01", "dev-a", "stopped", "127.0.10.30"),
            DnsTestInventory.Instance("app", "i-02", "dev-b", "running", "127.0.10.31"),
        ]);

        var ambiguous = Ask("app.dev.example", RecordType.A, index);
        Assert.Equal(ReturnCode.NoError, ambiguous.ReturnCode);
        Assert.Empty(ambiguous.AnswerRecords);
        var answer = Assert.IsType<ARecord>(Assert.Single(Ask("app.dev-b.dev.example", RecordType.A, index).AnswerRecords));
        Assert.Equal("127.0.10.31", answer.Address.ToString());
        Assert.Equal(30, answer.TimeToLive);
    }

    [Fact]
    public void Instance_with_many_private_addresses_answers_only_its_primary_one()
    {
        // The instance's owner decides how many addresses it has; the answer must not grow with them.
        var addresses = Enumerable.Range(10, 40).Select(i => $"127.0.11.{i}").ToArray();
        var index = new InstanceIndex([DnsTestInventory.Instance("wide", "i-0wide", "dev-a", "running", addresses)]);

        foreach (var type in new[] { RecordType.A, RecordType.Any })
        {
            var answer = Assert.IsType<ARecord>(Assert.Single(Ask("wide.dev-a.dev.example", type, index).AnswerRecords));
            Assert.Equal("127.0.11.10", answer.Address.ToString());
        }
    }

    [Fact]
    public void Query_with_two_questions_is_formerr()
    {
        var query = new DnsMessage { Questions =
        [
            new DnsQuestion(DomainName.Parse("web-1.dev.example"), RecordType.A, RecordClass.INet),
            new DnsQuestion(DomainName.Parse("db.dev.example"), RecordType.A, RecordClass.INet),
        ] };

        Assert.Equal(ReturnCode.FormatError, _responder.Answer(query, DnsTestInventory.Create()).ReturnCode);
    }

    [Fact]
    public void Chaos_class_is_refused() =>
        Assert.Equal(ReturnCode.Refused, Ask("version.bind", RecordType.Txt, DnsTestInventory.Create(), RecordClass.Chaos).ReturnCode);

    [Fact]
    public void Name_tag_that_is_not_a_dns_name_gets_no_ptr()
    {
        var index = new InstanceIndex([DnsTestInventory.Instance("my web server", "i-01", "dev-a", "running", "127.0.10.40")]);

        var response = Ask("40.10.0.127.in-addr.arpa", RecordType.Ptr, index);

        Assert.Equal(ReturnCode.NoError, response.ReturnCode);
        Assert.Empty(response.AnswerRecords);
    }

    private DnsMessage Ask(string name, RecordType type, InstanceIndex index, RecordClass recordClass = RecordClass.INet)
    {
        var query = new DnsMessage { Questions = [new DnsQuestion(DomainName.Parse(name), type, recordClass)] };
        return (DnsMessage)_responder.Answer(query, index);
    }
}
