namespace Bastion.Core.Inventory;

/// <summary>
/// Something the inventory found wrong in a developer account that an operator should see and that is raised once,
/// not at every refresh: an instance that is not a target (and why), an address two owners claim, an instance that
/// can be reached without the bastion. Findings are kept in the store while they hold, so every node, the CLI and the
/// admin pages list the same ones, and a finding opened by one node is not raised again by another.
/// </summary>
/// <param name="Kind">One of <see cref="InventoryFindingKinds"/>.</param>
/// <param name="Subject">What the finding is about, stable across refreshes: opening is once per (kind, subject),
/// e.g. an instance id, an address, or "i-0abc/sg-1/tcp/22/0.0.0.0/0".</param>
/// <param name="AccountId">The account it was found in ("" for findings that span accounts).</param>
/// <param name="Summary">One sentence for people (outside values in it are escaped where shown).</param>
/// <param name="Data">Fields of the audit event raised when it opens.</param>
public sealed record InventoryFinding(string Kind, string Subject, string AccountId, string Summary, IReadOnlyDictionary<string, string> Data)
{
    /// <summary>When the finding was first seen (set by the store; default until stored).</summary>
    public DateTimeOffset FirstSeen { get; init; }
}

/// <summary>The kinds of <see cref="InventoryFinding"/> and the audit event each raises when it opens.</summary>
public static class InventoryFindingKinds
{
    /// <summary>An instance (or its Name tag) that is not a target; audited as inventory.instance_rejected.</summary>
    public const string InstanceRejected = "instance_rejected";

    /// <summary>An address claimed by two owners, dialled for nobody; raises alert.address_conflict.</summary>
    public const string AddressConflict = "address_conflict";

    /// <summary>An instance with a public IP whose security group lets port 22 in from anywhere; raises alert.ssh_bypass.</summary>
    public const string SshBypass = "ssh_bypass";
}
