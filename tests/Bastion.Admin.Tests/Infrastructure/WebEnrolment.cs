using Bastion.Gateway.Tests.Infrastructure;

namespace Bastion.Admin.Tests.Infrastructure;

/// <summary>What a person enrolled on the web ends up with: the SSH key they added and their TOTP seed.</summary>
/// <param name="EnrolledAt">When the confirming code was typed; that step is spent, the next one is fresh.</param>
public sealed record WebEnrolment(SshKeyPair Key, string TotpSecret, DateTimeOffset EnrolledAt)
{
    /// <summary>
    /// The path of a new developer: an admin (already signed in) invites <paramref name="name"/> on the users page;
    /// the invitee registers a security key (<paramref name="authenticator"/>: u2f or ctap2), adds a fresh SSH key
    /// (also authorized at the testbed's target) and enrols TOTP, confirming it with a code.
    /// </summary>
    public static async Task<WebEnrolment> InviteAndEnrolAsync(BrowserSession admin, AdminAppHost web, BastionTestbed bed, string name, string authenticator)
    {
        await admin.Page.GotoAsync($"{web.BaseUrl}/admin/users");
        await admin.Page.FillAsync("#name", name);
        await admin.Page.ClickAsync("#invite");
        var invite = (await admin.Page.InnerTextAsync("#invite-url")).Trim();

        await using var person = await BrowserSession.StartAsync(authenticator);
        await person.RedeemInviteAsync(invite, web.BaseUrl);
        var key = await SshKeyPair.GenerateAsync(bed.Directory.SubDirectory(name + "-keys"), SshKeyType.Ed25519, "id_" + name);
        await person.Page.GotoAsync($"{web.BaseUrl}/account/ssh-keys");
        await person.Page.FillAsync("#line", key.PublicKeyLine);
        await person.Page.ClickAsync("#add-ssh-key");
        await person.Page.WaitForSelectorAsync(".flash");
        bed.Target.AuthorizeKey(key.PublicKeyLine);
        await person.Page.GotoAsync($"{web.BaseUrl}/account/totp");
        await person.Page.ClickAsync("#start-totp");
        var secret = (await person.Page.InnerTextAsync("#totp-secret")).Trim();
        var enrolledAt = DateTimeOffset.UtcNow;
        await person.Page.FillAsync("#code", TestKeys.TotpCode(secret));
        await person.Page.ClickAsync("#confirm-totp");
        Assert.Contains("TOTP is active", await person.Page.InnerTextAsync(".flash"));
        return new WebEnrolment(key, secret, enrolledAt);
    }
}
