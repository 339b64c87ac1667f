namespace Bastion.Hosting.Configuration;

/// <summary>The admin web app (Bastion:Admin): where people reach it, how long invite links and sign-ins last, and how recent a security-key touch sensitive changes need.</summary>
public sealed class AdminOptions
{
    /// <summary>The URL people open for invites and login approvals; also the WebAuthn origin (its host is the relying-party id).</summary>
    public string PublicUrl { get; set; } = "http://localhost:8443";

    public int InviteLifetimeHours { get; set; } = 24;

    /// <summary>A sign-in ends this long after it was made, however active (the store's web_sessions row expires).</summary>
    public int SessionHours { get; set; } = 12;

    /// <summary>A sign-in ends after this long without a request.</summary>
    public int SessionIdleMinutes { get; set; } = 30;

    /// <summary>
    /// Adding or removing SSH keys or security keys, replacing TOTP, and admin changes to other people's credentials,
    /// groups and policy need a security-key assertion (sign-in or step-up) made at most this long ago.
    /// </summary>
    public int StepUpSeconds { get; set; } = 300;
}
