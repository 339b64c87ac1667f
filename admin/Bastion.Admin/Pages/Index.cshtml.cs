using Bastion.Admin.Reports;
using Bastion.Core.Store;

namespace Bastion.Admin.Pages;

/// <summary>Home: each role's dashboard — the person's own SSH access, what admins should act on, what auditors watch.</summary>
public sealed class IndexModel : BastionPageModel
{
    public IReadOnlyList<string> Roles { get; private set; } = [];

    public int SshKeyCount { get; private set; }

    public bool HasTotp { get; private set; }

    public AdminDashboard? Admin { get; private set; }

    public AuditorDashboard? Auditor { get; private set; }

    public DateTimeOffset Now { get; private set; }

    public async Task OnGetAsync()
    {
        var ct = HttpContext.RequestAborted;
        var user = await CurrentUserAsync();
        Now = Bastion.Time.GetUtcNow();
        Roles = await Store.GetRolesAsync(user.Id, ct);
        SshKeyCount = (await Store.ListSshKeysAsync(user.Name, ct)).Count;
        HasTotp = await Store.GetTotpCredentialAsync(user.Id, ct) is not null;
        if (Roles.Contains(AdminRoles.Admin))
        {
            Admin = await AdminDashboard.ReadAsync(Bastion, ct);
        }
        if (Roles.Contains(AdminRoles.Auditor))
        {
            Auditor = await AuditorDashboard.ReadAsync(Bastion, ct);
        }
    }
}
