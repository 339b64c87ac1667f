using Bastion.Core.Inventory;
using Bastion.Core.Mfa;
using Bastion.Core.Store;
using Bastion.Hosting;
using Bastion.Hosting.Inventory;

namespace Bastion.Admin.Reports;

/// <summary>A person who is meant to use ssh and cannot yet, and what they lack ("SSH key, TOTP").</summary>
public sealed record NotReadyUser(string Name, string Needs, bool HasOpenInvite);

/// <summary>An invite link nobody has used yet.</summary>
public sealed record PendingInvite(string UserName, string CreatedBy, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt);

/// <summary>
/// What an admin should act on, read at page load: people who cannot log in yet and why, invite links still open,
/// cloud accounts whose inventory is stale, instances reachable without the bastion, and lockouts in force.
/// </summary>
public sealed record AdminDashboard(
    IReadOnlyList<NotReadyUser> NotReady,
    IReadOnlyList<AuthLockout> Lockouts,
    int DisabledUsers,
    IReadOnlyList<PendingInvite> PendingInvites,
    IReadOnlyList<InventoryAccountView> StaleAccounts,
    IReadOnlyList<InventoryFinding> SshBypasses,
    int OtherFindings)
{
    public static async Task<AdminDashboard> ReadAsync(BastionContext bastion, CancellationToken ct)
    {
        var store = bastion.Store;
        var users = await store.ListUsersAsync(ct);
        var enrolments = await store.ListEnrolmentsAsync(ct);
        var readiness = LoginReadiness.MissingFor(users, await store.ListGroupMfaPoliciesAsync(ct), enrolments);
        var invites = await store.ListOpenInvitesAsync(ct);
        var invited = invites.Select(i => i.UserId).ToHashSet();
        var notReady = new List<NotReadyUser>();
        foreach (var user in users.Where(u => !u.Disabled && readiness[u.Id].Count > 0))
        {
            var enrolment = enrolments.GetValueOrDefault(user.Id, Enrolment.None);
            if (SshLoginState.UsesSsh(user, await store.GetRolesAsync(user.Id, ct), enrolment))
            {
                notReady.Add(new NotReadyUser(user.Name, SshLoginState.Needs(readiness[user.Id]), invited.Contains(user.Id)));
            }
        }
        var names = users.ToDictionary(u => u.Id, u => u.Name);
        var pending = invites.Select(i => new PendingInvite(names.GetValueOrDefault(i.UserId, "?"), i.CreatedBy, i.CreatedAt, i.ExpiresAt)).ToList();

        bastion.InventoryState.LoadFrom(await store.ListInventoryAccountsAsync(ct));
        var findings = await store.ListInventoryFindingsAsync(ct);
        var bypasses = findings.Where(f => f.Kind == InventoryFindingKinds.SshBypass).ToList();
        var lockouts = await store.ListAuthLockoutsAsync(bastion.Time.GetUtcNow(), ct);
        return new AdminDashboard(notReady, lockouts, users.Count(u => u.Disabled), pending,
            bastion.InventoryState.Accounts.Where(a => a.IsStale).ToList(), bypasses, findings.Count - bypasses.Count);
    }
}
