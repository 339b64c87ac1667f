using Bastion.Core.Keys;

namespace Bastion.Core.Store;

/// <summary>
/// An SSH public key registered to one user. A key (by fingerprint) belongs to at most one user, so a
/// successful signature identifies exactly one person.
/// </summary>
/// <param name="Fingerprint">"SHA256:…" as <c>ssh-keygen -l</c> prints it.</param>
/// <param name="Options">authorized_keys options in their canonical text form ("" when none).</param>
/// <param name="SecurityKeyCounter">For sk-* keys, the highest authenticator counter accepted so far.</param>
/// <param name="AddedBy">Who enrolled the key ("cli:root", "web:alice"); null for keys enrolled before this was recorded.</param>
/// <param name="AddedByAdmin">Whether an administrator enrolled it: only then is a no-touch-required security key
/// accepted under a security-key policy (the owner cannot waive the touch their policy relies on).</param>
public sealed record SshKey(
    long Id,
    long UserId,
    byte[] PublicKeyBlob,
    string KeyType,
    string Fingerprint,
    string Comment,
    string Options,
    DateTimeOffset CreatedAt,
    DateTimeOffset? LastUsedAt,
    long? SecurityKeyCounter = null,
    string? AddedBy = null,
    bool AddedByAdmin = false)
{
    /// <summary>The key as an authorized_keys line (options, type, base64, comment).</summary>
    public AuthorizedKeyLine ToAuthorizedKeyLine() => AuthorizedKeyLine.FromParts(Options, PublicKeyBlob, Comment);
}

/// <summary>Who enrolls a key: <paramref name="Name"/> as the audit trail names them ("cli:root", "web:alice").</summary>
public sealed record KeyEnroller(string Name, bool IsAdmin);
