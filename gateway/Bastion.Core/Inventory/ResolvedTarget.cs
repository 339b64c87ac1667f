namespace Bastion.Core.Inventory;

/// <summary>A concrete destination: where to connect and what the access policy needs to know about it.</summary>
/// <param name="Name">Canonical target name (as stored), used by access rules.</param>
/// <param name="Host">IP address or host name to dial.</param>
/// <param name="Source">Which resolver found it, e.g. "static" or "ec2".</param>
/// <param name="Instance">Cloud instance details when the target is an instance (for audit and policy).</param>
public sealed record ResolvedTarget(
    string Name,
    string Host,
    int Port,
    string? Account,
    IReadOnlyDictionary<string, string> Tags,
    string Source,
    InstanceDetails? Instance = null);
