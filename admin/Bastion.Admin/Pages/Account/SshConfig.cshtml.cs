using Bastion.Admin.Security;
using Bastion.Hosting;
using Bastion.Hosting.ClientSetup;
using Bastion.Hosting.Configuration;
using Microsoft.AspNetCore.Authorization;

namespace Bastion.Admin.Pages.Account;

/// <summary>
/// The ssh_config block and the gateway's known_hosts line. The address comes from <see cref="GatewayAddress"/> with
/// the gateway nodes' heartbeat rows, as the gateway's own listing does: this process's Bastion:Ssh settings need not
/// be the gateway's (it may be started without them), the nodes' listen addresses are.
/// </summary>
[Authorize(Policy = Policies.User)]
public sealed class SshConfigModel(BastionOptions options) : BastionPageModel
{
    public string Snippet { get; private set; } = "";

    public string? KnownHosts { get; private set; }

    public string DomainSuffix => string.IsNullOrEmpty(options.Inventory.DomainSuffix) ? "dev" : options.Inventory.DomainSuffix;

    public async Task OnGetAsync()
    {
        var user = await CurrentUserAsync();
        var nodes = GatewayAddress.Live(await Store.ListNodesAsync(HttpContext.RequestAborted), options, Bastion.Time.GetUtcNow());
        var address = GatewayAddress.For(options.Ssh, nodes, Request.Host.Host);
        Snippet = address.ClientConfig(user.Name, DomainSuffix);
        var paths = BastionPaths.From(options);
        var publicKeyFile = paths.HostKeys[0] + ".pub";
        if (System.IO.File.Exists(publicKeyFile))
        {
            var parts = (await System.IO.File.ReadAllTextAsync(publicKeyFile, HttpContext.RequestAborted)).Trim().Split(' ', 3);
            if (parts.Length >= 2)
            {
                KnownHosts = $"{address.KnownHostsName} {parts[0]} {parts[1]}";
            }
        }
    }
}
