namespace Bastion.Core.Store;

public enum LoginApprovalState
{
    Pending,
    Approved,
    Denied,

    /// <summary>The ssh client went away before anyone decided; it can no longer be approved.</summary>
    Abandoned,
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
    /// <summary>The SSH connection (audit session id) waiting for this approval.</summary>
    public string SessionId { get; init; } = "";

    /// <summary>Fingerprint of the SSH key the login proved, shown so the approver can recognise their own key.</summary>
    public string KeyFingerprint { get; init; } = "";

    /// <summary>
    /// The two-digit number the ssh client shows; the approver must pick it on the page. Someone who gets a victim to
    /// open a link cannot tell them the number without being seen, and a wrong pick denies the login.
    /// </summary>
    public int MatchNumber { get; init; }

    public bool IsExpired(DateTimeOffset now) => State == LoginApprovalState.Pending && now >= ExpiresAt;

    public static string StateName(LoginApprovalState state) => state switch
    {
        LoginApprovalState.Approved => "approved",
        LoginApprovalState.Denied => "denied",
        LoginApprovalState.Abandoned => "abandoned",
        _ => "pending",
    };

    public static LoginApprovalState ParseState(string name) => name switch
    {
        "approved" => LoginApprovalState.Approved,
        "denied" => LoginApprovalState.Denied,
        "abandoned" => LoginApprovalState.Abandoned,
        _ => LoginApprovalState.Pending,
    };
}
