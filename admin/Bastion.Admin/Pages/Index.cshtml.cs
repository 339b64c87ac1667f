namespace Bastion.Admin.Pages;

public sealed class IndexModel : BastionPageModel
{
    public IReadOnlyList<string> Roles { get; private set; } = [];

    public int SshKeyCount { get; private set; }

    public bool HasTotp { get; private set; }

    public async Task OnGetAsync()
    {
        var user = await CurrentUserAsync();
        Roles = await Store.GetRolesAsync(user.Id, HttpContext.RequestAborted);
        SshKeyCount = (await Store.ListSshKeysAsync(user.Name, HttpContext.RequestAborted)).Count;
        HasTotp = await Store.GetTotpCredentialAsync(user.Id, HttpContext.RequestAborted) is not null;
    }
}
