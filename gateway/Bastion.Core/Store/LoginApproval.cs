namespace Bastion.Core.Store;

public enum LoginApprovalState
{
    Pending,
    Approved,
    Denied,
}

/// <summary>
/// An SSH login waiting for its owner to approve it in the browser with WebAuthn (the MFA of clients without
/// security-key support). The code is what the user opens; it is single use and expires.
/// </summary>
public sealed record LoginApproval(
    string Code,
    string UserName,
    string SourceAddress,
    string ClientVersion,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt,
    LoginApprovalState State,
    string? DecidedBy,
    DateTimeOffset? DecidedAt)
{
    public bool IsExpired(DateTimeOffset now) => State == LoginApprovalState.Pending && now >= ExpiresAt;
}
