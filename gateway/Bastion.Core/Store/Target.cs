using System.Net;

namespace Bastion.Core.Store;

/// <summary>A host in the static inventory that users may reach through the bastion.</summary>
/// <param name="Name">Unique regardless of case; what users type (<c>ssh web-1.dev</c>).</param>
/// <param name="Account">Optional grouping such as an AWS account or environment name.</param>
public sealed record Target(
    long Id,
    string Name,
    string Host,
    int Port,
    string? Account,
    IReadOnlyDictionary<string, string> Tags,
    DateTimeOffset CreatedAt);

/// <summary>The editable part of a <see cref="Target"/>; used both to add and to replace one.</summary>
public sealed record TargetDefinition(string Name, string Host)
{
    public int Port { get; init; } = 22;

    public string? Account { get; init; }

    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();

    /// <summary>Throws <see cref="InvalidEntityException"/> describing the first problem found.</summary>
    public void Validate()
    {
        Names.EnsureTargetName(Name);
        if (!IPAddress.TryParse(Host, out _) && Uri.CheckHostName(Host) != UriHostNameType.Dns)
        {
            throw new InvalidEntityException($"host \"{Host}\" of target {Name} is neither an IP address nor a host name");
        }
        if (Port is < 1 or > 65535)
        {
            throw new InvalidEntityException($"port {Port} of target {Name} is out of range; use 1-65535 (22 for SSH)");
        }
        if (Account is not null && string.IsNullOrWhiteSpace(Account))
        {
            throw new InvalidEntityException($"account of target {Name} is blank; leave it unset instead");
        }
        TagRules.EnsureValid(Tags, $"target {Name}");
    }
}

/// <summary>Shared rules for tag dictionaries on targets and access rules.</summary>
internal static class TagRules
{
    public static void EnsureValid(IReadOnlyDictionary<string, string> tags, string owner)
    {
        foreach (var (key, value) in tags)
        {
            if (string.IsNullOrWhiteSpace(key) || key.Length > 128)
            {
                throw new InvalidEntityException($"{owner} has a tag with an empty or over-long key; tag keys are 1-128 characters");
            }
            if (value is null || value.Length > 256)
            {
                throw new InvalidEntityException($"tag \"{key}\" of {owner} has no value or one longer than 256 characters");
            }
        }
    }
}
