using ARSoft.Tools.Net.Dns;
using ARSoft.Tools.Net.Dns.DynamicUpdate;
using Bastion.Core.Inventory;
using Bastion.Gateway.Inventory.Dns;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bastion.Fuzz.Targets;

/// <summary>
/// The inventory DNS responder's handling of one UDP datagram, as its transport does it: the framing check
/// (<see cref="DnsMessageShape"/>: drop, FORMERR, or parse), ARSoft's parser, then <see cref="InventoryDnsResponder.Answer(DnsMessageBase, InstanceIndex, IReadOnlyList{ResolvedTarget})"/>
/// over a small inventory. The framing check and the responder must not throw; ARSoft's own parse failures are what the
/// server drops as "not a valid DNS message" and count as rejection.
/// </summary>
internal sealed class DnsTarget : IFuzzTarget
{
    private static readonly InventoryDnsResponder Responder = new(ZoneName.Parse("dev.example"), 30, NullLogger.Instance);

    private static readonly InstanceIndex Index = new(
    [
        Instance("web-1", "i-0web1", "dev-a", "running", "10.20.0.5", "10.20.0.6"),
        Instance("db", "i-0dba", "dev-a", "running", "10.20.0.7"),
        Instance("db", "i-0dbb", "dev-b", "running", "10.30.0.7"),
        Instance("batch", "i-0batch", "dev-b", "stopped", "10.30.0.8"),
        Instance("api.internal", "i-0api", "dev-b", "running", "10.30.0.9"),
    ]);

    public void Run(byte[] input)
    {
        switch (DnsMessageShape.Check(input))
        {
            case DnsMessageVerdict.Drop:
                return;
            case DnsMessageVerdict.FormatError:
                var reply = DnsMessageShape.FormatErrorReply(input);
                if (reply.Length != DnsMessageShape.HeaderLength || reply[0] != input[0] || reply[1] != input[1])
                {
                    throw new InvalidOperationException("FORMERR reply does not carry the query's ID");
                }
                return;
        }
        DnsMessageBase query;
        try
        {
            // ARSoft picks the message class by opcode the same way (5 = UPDATE).
            query = ((input[2] >> 3) & 0x0F) == 5 ? DnsUpdateMessage.Parse(input) : DnsMessage.Parse(new ArraySegment<byte>(input));
        }
        catch (Exception)
        {
            return; // ARSoft's parse failure: the server drops the packet (InventoryDnsServer.OnExceptionThrownAsync)
        }
        var response = Responder.Answer(query, Index, []);
        if (response.TransactionID != query.TransactionID)
        {
            throw new InvalidOperationException("the answer does not carry the query's ID");
        }
    }

    private static ResolvedTarget Instance(string name, string instanceId, string account, string state, params string[] privateIps) =>
        new(name, privateIps[0], 22, account, new Dictionary<string, string> { ["Name"] = name }, "ec2",
            new InstanceDetails(instanceId, AccountId: account == "dev-a" ? "111111111111" : "222222222222", account,
                Region: "eu-west-1", VpcId: "vpc-1", state, privateIps, PrivateDnsName: null, LaunchTime: null, DataAsOf: DateTimeOffset.UnixEpoch));
}
