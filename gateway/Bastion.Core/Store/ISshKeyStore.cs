using Bastion.Core.Keys;

namespace Bastion.Core.Store;

/// <summary>SSH public keys registered to users.</summary>
public interface ISshKeyStore
{
    /// <summary>
    /// Registers <paramref name="key"/> (already validated by parsing) for the user. Throws
    /// <see cref="EntityNotFoundException"/> for an unknown user and <see cref="StoreConflictException"/> when
    /// the key is already registered, to this or to another user.
    /// </summary>
    Task<SshKey> AddSshKeyAsync(string userName, AuthorizedKeyLine key, CancellationToken ct = default);

    /// <summary>
    /// As <see cref="AddSshKeyAsync(string, AuthorizedKeyLine, CancellationToken)"/>, recording who enrolled the key
    /// (<see cref="SshKey.AddedBy"/>, <see cref="SshKey.AddedByAdmin"/>); null records nobody, which counts as not an admin.
    /// Whether that person may enrol these options is the caller's to check (<see cref="KeyOptionRules.EnrolmentProblem"/>).
    /// </summary>
    Task<SshKey> AddSshKeyAsync(string userName, AuthorizedKeyLine key, KeyEnroller? enrolledBy, CancellationToken ct = default);

    /// <summary>The user's keys, oldest first. Throws <see cref="EntityNotFoundException"/> for an unknown user.</summary>
    Task<IReadOnlyList<SshKey>> ListSshKeysAsync(string userName, CancellationToken ct = default);

    /// <summary>
    /// The key with this fingerprint ("SHA256:…"), whoever owns it, or null. This is the lookup the gateway
    /// makes during publickey authentication; it must then check <see cref="SshKey.UserId"/> against the user.
    /// </summary>
    Task<SshKey?> FindSshKeyAsync(string fingerprint, CancellationToken ct = default);

    /// <summary>Removes one of the user's keys. False if the user has no key with that fingerprint.</summary>
    Task<bool> RemoveSshKeyAsync(string userName, string fingerprint, CancellationToken ct = default);

    /// <summary>Stamps the key's last-used time with the store's clock (after a successful login).</summary>
    Task RecordSshKeyUsedAsync(long keyId, CancellationToken ct = default);

    /// <summary>
    /// Stores <paramref name="counter"/> as the key's security-key counter if it is greater than the last one
    /// accepted, atomically. False means the counter did not increase: a replay or a cloned authenticator.
    /// </summary>
    Task<bool> TryAdvanceSecurityKeyCounterAsync(long keyId, uint counter, CancellationToken ct = default);
}
