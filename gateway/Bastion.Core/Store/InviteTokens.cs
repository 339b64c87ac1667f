using System.Security.Cryptography;
using System.Text;

namespace Bastion.Core.Store;

/// <summary>
/// Invite tokens: 32 random bytes in base64url (43 characters), stored only as their SHA-256. Shared by the CLI,
/// which prints invite links, and the admin app, which redeems them.
/// </summary>
public static class InviteTokens
{
    /// <summary>Issues a fresh invite for <paramref name="user"/> and returns the token to put in the link.</summary>
    public static async Task<(string Token, AdminInvite Invite)> IssueAsync(IAdminStore store, User user, TimeSpan lifetime, DateTimeOffset now, string createdBy, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(user);
        if (user.IsAutomation)
        {
            throw new InvalidEntityException($"{user.Name} is an automation account; automation accounts do not log in to the admin web app");
        }
        var token = Base64Url(RandomNumberGenerator.GetBytes(32));
        var invite = await store.CreateInviteAsync(user.Id, Hash(token), now + lifetime, createdBy, ct).ConfigureAwait(false);
        return (token, invite);
    }

    public static byte[] Hash(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token ?? ""));

    /// <summary>The link a person opens: PUBLIC_URL/invite/TOKEN.</summary>
    public static string Url(string publicUrl, string token) => $"{publicUrl.TrimEnd('/')}/invite/{token}";

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
