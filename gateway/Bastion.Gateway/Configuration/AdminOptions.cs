namespace Bastion.Gateway.Configuration;

/// <summary>The admin web app as the gateway refers users to it (Bastion:Admin).</summary>
public sealed class AdminOptions
{
    /// <summary>Base URL users open for invites and login approvals, e.g. https://bastion-admin.example.com.</summary>
    public string PublicUrl { get; set; } = "http://localhost:8443";
}
