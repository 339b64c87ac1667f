using Bastion.Admin.Security;
using Bastion.Hosting.Configuration;
using Bastion.Hosting;
using Microsoft.AspNetCore.Authorization;

namespace Bastion.Admin.Pages.Account;

/// <summary>The ssh_config snippet and the gateway's known_hosts line, from the same settings the gateway uses.</summary>
[Authorize(Policy = Policies.User)]
public sealed class SshConfigModel(BastionOptions options) : BastionPageModel
{
    public string Snippet { get; private set; } = "";

    public string? KnownHosts { get; private set; }

    public string DomainSuffix => string.IsNullOrEmpty(options.Inventory.DomainSuffix) ? "dev" : options.Inventory.DomainSuffix;

    public async Task OnGetAsync()
    {
        var user = await CurrentUserAsync();
        var host = options.Ssh.PublicHostName ?? options.Ssh.ListenAddress;
        var port = options.Ssh.Port;
        var jump = port == 22 ? $"{user.Name}@{host}" : $"{user.Name}@{host}:{port}";
        Snippet = $"""
            Host *.{DomainSuffix}
                ProxyJump {jump}

            Host {host}
                User {user.Name}
            """;
        var paths = BastionPaths.From(options);
        var publicKeyFile = paths.HostKeys[0] + ".pub";
        if (System.IO.File.Exists(publicKeyFile))
        {
            var parts = (await System.IO.File.ReadAllTextAsync(publicKeyFile, HttpContext.RequestAborted)).Trim().Split(' ', 3);
            if (parts.Length >= 2)
            {
                var name = port == 22 ? host : $"[{host}]:{port}";
                KnownHosts = $"{name} {parts[0]} {parts[1]}";
            }
        }
    }
}
