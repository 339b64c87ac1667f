namespace Bastion.Gateway.Inventory.Ec2;

/// <summary>
/// Shares equal strings within one fetch. The SDK makes a new string for every XML value, but tag keys, tag
/// values like "env=dev", VPC ids and states repeat across thousands of instances; sharing them keeps the
/// snapshot of a large account several times smaller. Not thread-safe: one per region fetch.
/// </summary>
internal sealed class Ec2StringPool
{
    private readonly Dictionary<string, string> _strings = new(StringComparer.Ordinal);

    public string? Share(string? value)
    {
        if (value is null)
        {
            return null;
        }
        if (_strings.TryGetValue(value, out var shared))
        {
            return shared;
        }
        _strings[value] = value;
        return value;
    }
}
