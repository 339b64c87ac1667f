using Bastion.Hosting.Configuration;

namespace Bastion.Admin.Hosting;

/// <summary>The admin app's view of Bastion:Admin, validated: the public origin is the WebAuthn origin and its host the RP id.</summary>
/// <param name="SessionLifetime">A sign-in ends this long after it was made.</param>
/// <param name="IdleTimeout">A sign-in ends after this long without a request.</param>
/// <param name="StepUpWindow">How recent the last security-key assertion must be for sensitive changes.</param>
public sealed record AdminSettings(Uri PublicUrl, TimeSpan InviteLifetime, TimeSpan SessionLifetime, TimeSpan IdleTimeout, TimeSpan StepUpWindow)
{
    public string Origin => PublicUrl.GetLeftPart(UriPartial.Authority);

    public string RelyingPartyId => PublicUrl.Host;

    public bool IsHttps => PublicUrl.Scheme == Uri.UriSchemeHttps;

    public static AdminSettings From(BastionOptions options)
    {
        if (!Uri.TryCreate(options.Admin.PublicUrl, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp))
        {
            throw new AdminStartupException($"Bastion:Admin:PublicUrl \"{options.Admin.PublicUrl}\" is not an http(s) URL; set it to the address people open, e.g. https://bastion-admin.example.com");
        }
        if (url.HostNameType != UriHostNameType.Dns)
        {
            throw new AdminStartupException($"Bastion:Admin:PublicUrl \"{options.Admin.PublicUrl}\" uses an IP address; WebAuthn needs a host name (use localhost for local tests)");
        }
        if (url.Scheme == Uri.UriSchemeHttp && url.Host != "localhost")
        {
            throw new AdminStartupException($"Bastion:Admin:PublicUrl \"{options.Admin.PublicUrl}\" is plain http; browsers allow WebAuthn over http only on localhost, so use https");
        }
        if (options.Admin.InviteLifetimeHours is < 1 or > 24 * 14)
        {
            throw new AdminStartupException($"Bastion:Admin:InviteLifetimeHours {options.Admin.InviteLifetimeHours} is outside 1..336");
        }
        // The ranges of the session settings are checked with the rest of the configuration (BastionOptionsValidator).
        return new AdminSettings(url, TimeSpan.FromHours(options.Admin.InviteLifetimeHours), TimeSpan.FromHours(options.Admin.SessionHours),
            TimeSpan.FromMinutes(options.Admin.SessionIdleMinutes), TimeSpan.FromSeconds(options.Admin.StepUpSeconds));
    }
}
