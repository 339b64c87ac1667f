namespace Bastion.Gateway.Configuration;

/// <summary>The admin web app (Bastion:Admin): where people reach it, and how long invite links last.</summary>
public sealed class AdminOptions
{
    /// <summary>The URL people open for invites and login approvals; also the WebAuthn origin (its host is the relying-party id).</summary>
    public string PublicUrl { get; set; } = "http://localhost:8443";

    public int InviteLifetimeHours { get; set; } = 24;
}
