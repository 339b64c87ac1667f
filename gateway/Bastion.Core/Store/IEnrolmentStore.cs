namespace Bastion.Core.Store;

/// <summary>What each user has enrolled, for every user at once.</summary>
public interface IEnrolmentStore
{
    /// <summary>
    /// By user id, every user with at least one SSH key, TOTP credential or security key; a user missing from the
    /// map has enrolled nothing. Three set queries, however many users: the admin Users page, <c>user list</c> and
    /// doctor ask this for everybody.
    /// </summary>
    Task<IReadOnlyDictionary<long, Enrolment>> ListEnrolmentsAsync(CancellationToken ct = default);
}

/// <param name="KeyTypes">Wire names of the user's SSH keys (one entry a key).</param>
/// <param name="HasTotp">A TOTP credential is stored.</param>
/// <param name="WebAuthnCredentials">Security keys registered in the admin app.</param>
public sealed record Enrolment(IReadOnlyList<string> KeyTypes, bool HasTotp, int WebAuthnCredentials)
{
    public static Enrolment None { get; } = new([], false, 0);
}
