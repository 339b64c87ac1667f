namespace Bastion.Core.Inventory;

/// <summary>
/// Turns the host string of a <c>direct-tcpip</c> request ("web-1.dev", "10.1.2.3") into a target. One
/// implementation reads the static inventory in the store; others (EC2 Name tags, DNS) can follow.
/// </summary>
public interface ITargetResolver
{
    /// <summary>
    /// Finds the target the user asked for. Never throws for an unknown or ambiguous name: the result's
    /// <see cref="TargetResolution.Error"/> then says what to do (close matches, candidates).
    /// </summary>
    ValueTask<TargetResolution> ResolveAsync(string requestedHost, CancellationToken ct);

    /// <summary>Every target this resolver knows, ordered by name.</summary>
    ValueTask<IReadOnlyList<ResolvedTarget>> ListAsync(CancellationToken ct);
}
