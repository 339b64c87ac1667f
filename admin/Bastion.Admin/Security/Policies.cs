using Bastion.Core.Store;

namespace Bastion.Admin.Security;

/// <summary>Authorization policy names; one per role, checked on every handler of a page through [Authorize].</summary>
public static class Policies
{
    public const string Admin = AdminRoles.Admin;
    public const string Auditor = AdminRoles.Auditor;
    public const string User = AdminRoles.User;

    /// <summary>Claim holding the user's numeric id; the name claim holds the user name.</summary>
    public const string UserIdClaim = "bastion:uid";
}
