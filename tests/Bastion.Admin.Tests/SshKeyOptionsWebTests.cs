using Bastion.Admin.Tests.Infrastructure;
using Bastion.Core.Audit;
using Bastion.Core.Store;

namespace Bastion.Admin.Tests;

/// <summary>
/// The SSH keys page applies the gateway's option rules (KeyOptionRules), as bastion key add does: options the gateway
/// cannot honour are refused by name, the touch of a security key is the administrators' to waive, and a refused line
/// stays in the box to be corrected.
/// </summary>
public sealed class SshKeyOptionsWebTests
{
    [Fact]
    public async Task Refused_options_are_named_and_the_line_is_kept_while_an_admin_may_waive_the_touch()
    {
        await using var host = await AdminAppHost.StartAsync();
        var aliceInvite = await host.AddPersonAsync("alice", AdminRoles.User);
        var carolInvite = await host.AddPersonAsync("carol", AdminRoles.User, AdminRoles.Admin);

        await using var alice = await BrowserSession.StartAsync("ctap2");
        await alice.RedeemInviteAsync(aliceInvite, host.BaseUrl);
        await alice.Page.GotoAsync($"{host.BaseUrl}/account/ssh-keys");

        // A forced command means nothing at the gateway: refused, named, and the line is still there to fix.
        var withCommand = "command=\"echo hi\",no-pty " + TestKeys.Ed25519Line("alice@laptop");
        await alice.Page.FillAsync("#line", withCommand);
        await alice.Page.ClickAsync("#add-ssh-key");
        var error = await alice.Page.InnerTextAsync("#add-ssh-key-error");
        Assert.Contains("key option command=\"echo hi\" is not accepted", error);
        Assert.Equal(withCommand, await alice.Page.InputValueAsync("#line"));
        await alice.ScreenshotAsync("account-ssh-keys-refused-option");

        // A user may not waive their own security key's touch.
        var noTouch = TestKeys.SecurityKeyLine("alice@yubikey", "no-touch-required");
        await alice.Page.FillAsync("#line", noTouch);
        await alice.Page.ClickAsync("#add-ssh-key");
        Assert.Contains("no-touch-required may only be set by a Bastion administrator", await alice.Page.InnerTextAsync("#add-ssh-key-error"));
        Assert.Equal(noTouch, await alice.Page.InputValueAsync("#line"));
        Assert.Empty(await host.Store.ListSshKeysAsync("alice"));

        // Options that only restrict are the user's to add; the key records that its owner added it.
        await alice.Page.FillAsync("#line", "from=\"10.0.0.0/8\",no-port-forwarding " + TestKeys.Ed25519Line("alice@laptop"));
        await alice.Page.ClickAsync("#add-ssh-key");
        Assert.Contains("Added ssh-ed25519 key", await alice.Page.InnerTextAsync(".flash"));
        var own = Assert.Single(await host.Store.ListSshKeysAsync("alice"));
        Assert.Equal(("web:alice", false, "from=\"10.0.0.0/8\",no-port-forwarding"), (own.AddedBy, own.AddedByAdmin, own.Options));

        // An administrator may waive the touch of a key (here their own); the key remembers an admin added it.
        await using var carol = await BrowserSession.StartAsync("ctap2");
        await carol.RedeemInviteAsync(carolInvite, host.BaseUrl);
        await carol.Page.GotoAsync($"{host.BaseUrl}/account/ssh-keys");
        await carol.Page.FillAsync("#line", TestKeys.SecurityKeyLine("carol@yubikey", "no-touch-required"));
        await carol.Page.ClickAsync("#add-ssh-key");
        Assert.Contains("Added sk-ssh-ed25519@openssh.com key", await carol.Page.InnerTextAsync(".flash"));
        var waived = Assert.Single(await host.Store.ListSshKeysAsync("carol"));
        Assert.Equal(("web:carol", true), (waived.AddedBy, waived.AddedByAdmin));

        var added = (await host.Audit.QueryAsync(new AuditQuery { Type = AuditEventTypes.AdminKeyAdded })).Events;
        Assert.Equal(2, added.Count);
        Assert.Contains(added, e => e.Data.TryGetValue("options", out var o) && o == "no-touch-required");
    }
}
