using System.Net;
using System.Net.Sockets;
using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;
using ARSoft.Tools.Net.Dns.DynamicUpdate;
using Bastion.Core.Inventory;
using Microsoft.Extensions.Logging;

namespace Bastion.Gateway.Inventory.Dns;

/// <summary>
/// Turns one DNS query into its answer from one index snapshot; no sockets, so every rule here is testable on its own.
/// Authoritative for the zone and for in-addr.arpa names of known instances; not a recursive resolver, so any
/// other name is REFUSED rather than looked up elsewhere.
/// </summary>
internal sealed class InventoryDnsResponder
{
    private readonly ZoneName _zone;
    private readonly int _ttl;
    private readonly ILogger _logger;
    private readonly TargetLookupOptions _lookup;
    private readonly TimeProvider _time;

    public InventoryDnsResponder(ZoneName zone, int ttlSeconds, ILogger logger, TargetLookupOptions? lookup = null, TimeProvider? time = null)
    {
        _zone = zone;
        _ttl = ttlSeconds;
        _logger = logger;
        _lookup = lookup ?? new TargetLookupOptions();
        _time = time ?? TimeProvider.System;
    }

    public DnsMessageBase Answer(DnsMessageBase query, InstanceIndex index) => Answer(query, index, []);

    /// <summary>The answer to <paramref name="query"/>; <paramref name="statics"/> keep the names they own from instances, as in SSH.</summary>
    public DnsMessageBase Answer(DnsMessageBase query, InstanceIndex index, IReadOnlyList<ResolvedTarget> statics)
    {
        if (query is DnsUpdateMessage update)
        {
            // Dynamic updates would write into a zone that only mirrors the cloud inventory.
            var refusedUpdate = update.CreateResponseInstance();
            refusedUpdate.ReturnCode = ReturnCode.NotImplemented;
            return refusedUpdate;
        }
        var message = (DnsMessage)query;
        var response = message.CreateResponseInstance();
        if (!message.IsQuery)
        {
            // The transports drop responses before parsing; should one get here, FORMERR beats a lookup or SERVFAIL.
            response.ReturnCode = ReturnCode.FormatError;
            return response;
        }
        if (message.OperationCode != OperationCode.Query)
        {
            response.ReturnCode = ReturnCode.NotImplemented;
            return response;
        }
        if (message.Questions.Count != 1)
        {
            // RFC 9619: a query carries exactly one question.
            response.ReturnCode = ReturnCode.FormatError;
            return response;
        }
        var question = message.Questions[0];
        if (question.RecordClass is not (RecordClass.INet or RecordClass.Any))
        {
            response.ReturnCode = ReturnCode.Refused;
            return response;
        }
        var relative = _zone.RelativeLabelCount(question.Name);
        if (relative >= 0)
        {
            AnswerInZone(question, index, statics, relative, response);
        }
        else if (ReverseAddressName.IsInAddrArpa(question.Name))
        {
            AnswerReverse(question, index, response);
        }
        else
        {
            response.ReturnCode = ReturnCode.Refused;
        }
        return response;
    }

    private void AnswerInZone(DnsQuestion question, InstanceIndex index, IReadOnlyList<ResolvedTarget> statics, int relativeLabelCount, DnsMessage response)
    {
        response.IsAuthoritiveAnswer = true;
        var found = ZoneLookup.Find(index, statics, question.Name, relativeLabelCount, _lookup, _time.GetUtcNow());
        switch (found.Kind)
        {
            case ZoneNameKind.Apex when question.RecordType is RecordType.Soa or RecordType.Any:
                response.AnswerRecords.Add(_zone.Soa(_ttl));
                return;
            case ZoneNameKind.Instance when question.RecordType is RecordType.A or RecordType.Any:
                AddAddress(question.Name, found.Target!, response);
                break;
            case ZoneNameKind.Ambiguous or ZoneNameKind.NotRunning or ZoneNameKind.Refused:
                _logger.LogDebug("DNS {Name}: answering with no address: {Reason}", question.Name, found.Refusal?.Error);
                break;
            case ZoneNameKind.Unknown:
                response.ReturnCode = ReturnCode.NxDomain;
                break;
        }
        if (response.AnswerRecords.Count == 0)
        {
            // NXDOMAIN or NODATA: the SOA lets resolvers cache the negative answer, for no longer than the TTL.
            response.AuthorityRecords.Add(_zone.Soa(_ttl));
        }
    }

    /// <summary>
    /// One A record: the address the gateway dials (an instance's primary private IP). Not every private IP: the
    /// instance's owner chooses how many it has, and with them the size of the answer this responder sends.
    /// </summary>
    private void AddAddress(DomainName owner, ResolvedTarget target, DnsMessage response)
    {
        if (IPAddress.TryParse(target.Host, out var host) && host.AddressFamily == AddressFamily.InterNetwork)
        {
            response.AnswerRecords.Add(new ARecord(owner, _ttl, host));
        }
    }

    /// <summary>
    /// PTR for any known private address, running or not: EC2 keeps private addresses across stop and start, so the
    /// address still belongs to that instance. Names that are not a whole address (10.in-addr.arpa) answer NODATA,
    /// not NXDOMAIN, because resolvers that minimise query names ask for them on the way down (RFC 8020).
    /// </summary>
    private void AnswerReverse(DnsQuestion question, InstanceIndex index, DnsMessage response)
    {
        response.IsAuthoritiveAnswer = true;
        if (question.Name.LabelCount < ReverseAddressName.AddressLabelCount)
        {
            return;
        }
        if (!ReverseAddressName.TryParseAddress(question.Name, out var address) || index.ByAddress(address!) is not { } target)
        {
            response.ReturnCode = ReturnCode.NxDomain;
            return;
        }
        if (question.RecordType is not (RecordType.Ptr or RecordType.Any))
        {
            return;
        }
        if (_zone.InstanceName(target.Name, target.Instance!.AccountAlias) is { } name)
        {
            response.AnswerRecords.Add(new PtrRecord(question.Name, _ttl, name));
        }
        else
        {
            _logger.LogDebug("DNS {Name}: instance \"{Instance}\" in {Alias} has a name that is not a valid DNS name; answering with no PTR",
                question.Name, target.Name, target.Instance.AccountAlias);
        }
    }
}
