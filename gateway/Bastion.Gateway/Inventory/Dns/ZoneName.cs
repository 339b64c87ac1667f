using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;

namespace Bastion.Gateway.Inventory.Dns;

/// <summary>
/// The forward zone the responder is authoritative for: where a question name sits relative to it, and how an
/// instance's own name (NAME.ACCOUNT-ALIAS.ZONE) is spelled in it.
/// </summary>
internal sealed class ZoneName
{


    private readonly string[] _labels;
    private readonly int _encodedLength;

    private ZoneName(string[] labels)
    {
        _labels = labels;
        Name = new DomainName(labels);
        _encodedLength = ZoneSpelling.EncodedLength(labels);
    }

    public DomainName Name { get; }

    /// <summary>Why <paramref name="zone"/> cannot be used as the zone, or null when it can (<see cref="ZoneSpelling"/>).</summary>
    public static string? Describe(string? zone) => ZoneSpelling.Describe(zone);

    /// <summary>Parses a zone that <see cref="Describe"/> accepted.</summary>
    public static ZoneName Parse(string zone)
    {
        if (Describe(zone) is { } problem)
        {
            throw new ArgumentException($"zone \"{zone}\" {problem}", nameof(zone));
        }
        return new ZoneName(zone.Trim().TrimEnd('.').Split('.'));
    }

    /// <summary>
    /// How many labels <paramref name="name"/> has in front of the zone (0 for the apex), or -1 when it is not in the zone.
    /// Case-insensitive, like all DNS name comparison.
    /// </summary>
    public int RelativeLabelCount(DomainName name)
    {
        var relative = name.LabelCount - _labels.Length;
        if (relative < 0)
        {
            return -1;
        }
        var labels = name.Labels;
        for (var i = 0; i < _labels.Length; i++)
        {
            if (!string.Equals(labels[relative + i], _labels[i], StringComparison.OrdinalIgnoreCase))
            {
                return -1;
            }
        }
        return relative;
    }

    /// <summary>
    /// NAME.ACCOUNT-ALIAS.ZONE for an instance, or null when its Name tag or alias cannot be written as DNS labels
    /// (empty labels, labels over 63 characters, spaces or other non-printable-ASCII characters, an over-long name).
    /// A dotted Name tag becomes several labels, which is how the forward lookup reads it back.
    /// </summary>
    public DomainName? InstanceName(string instanceName, string accountAlias)
    {
        var nameLabels = instanceName.Split('.');
        var labels = new string[nameLabels.Length + 1 + _labels.Length];
        nameLabels.CopyTo(labels, 0);
        labels[nameLabels.Length] = accountAlias;
        _labels.CopyTo(labels, nameLabels.Length + 1);
        for (var i = 0; i <= nameLabels.Length; i++)
        {
            if (!IsPrintableLabel(labels[i]))
            {
                return null;
            }
        }
        return ZoneSpelling.EncodedLength(labels) > ZoneSpelling.MaxNameLength ? null : new DomainName(labels);
    }

    /// <summary>
    /// The zone's SOA, sent in the authority section of negative answers so resolvers cache them for at most
    /// <paramref name="ttlSeconds"/> (RFC 2308). The zone has no primary server or zone transfers: the names point
    /// at the zone itself and the serial stays 1.
    /// </summary>
    public SoaRecord Soa(int ttlSeconds) =>
        new(Name, ttlSeconds, Name, new DomainName(["hostmaster", .. _labels]), 1, ttlSeconds, ttlSeconds, ttlSeconds, ttlSeconds);

    private static bool IsPrintableLabel(string label)
    {
        if (label.Length is 0 or > ZoneSpelling.MaxLabelLength)
        {
            return false;
        }
        foreach (var c in label)
        {
            if (c is <= ' ' or > '~')
            {
                return false;
            }
        }
        return true;
    }
}
