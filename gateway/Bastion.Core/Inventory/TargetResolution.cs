namespace Bastion.Core.Inventory;

/// <summary>Either a target or an error message for the user (exactly one is set).</summary>
public sealed record TargetResolution(ResolvedTarget? Target, string? Error)
{
    public static TargetResolution Found(ResolvedTarget target) => new(target, null);

    public static TargetResolution Failed(string error) => new(null, error);

    public bool Succeeded => Target is not null;
}
