namespace Bastion.Core.Inventory;

/// <summary>Why a name did not become a target; DNS answers each kind its own way, SSH shows the message.</summary>
public enum TargetFailure
{
    /// <summary>Resolved.</summary>
    None,

    /// <summary>Nothing by that name or address.</summary>
    Unknown,

    /// <summary>Several targets answer to the name; the message lists them.</summary>
    Ambiguous,

    /// <summary>The instance exists but is not running.</summary>
    NotRunning,

    /// <summary>The instance's account has not been read for longer than the gateway trusts an old list.</summary>
    Stale,

    /// <summary>Two owners claim the address the target would be dialled at.</summary>
    AddressConflict,

    /// <summary>The address belongs to an instance that is not a target (outside its account's ranges, or protected).</summary>
    Rejected,

    /// <summary>Addresses are not accepted as names here.</summary>
    AddressNotAllowed,
}

/// <summary>Either a target or an error message for the user (exactly one is set).</summary>
public sealed record TargetResolution(ResolvedTarget? Target, string? Error)
{
    /// <summary>What kind of refusal <see cref="Error"/> is; <see cref="TargetFailure.None"/> when resolved.</summary>
    public TargetFailure Failure { get; init; }

    public static TargetResolution Found(ResolvedTarget target) => new(target, null);

    public static TargetResolution Failed(string error) => new(null, error) { Failure = TargetFailure.Unknown };

    public static TargetResolution Refused(TargetFailure failure, string error) => new(null, error) { Failure = failure };

    public bool Succeeded => Target is not null;
}
