using Microsoft.Playwright;

namespace Bastion.Admin.Tests.Infrastructure;

/// <summary>
/// One person at one browser: headless Debian Chromium driven by Playwright, with a CDP virtual authenticator
/// (u2f or ctap2) attached before the first navigation. Each session has its own cookies and its own key.
/// </summary>
public sealed class BrowserSession : IAsyncDisposable
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private readonly IPlaywright _playwright;
    private readonly IBrowser _browser;

    private BrowserSession(IPlaywright playwright, IBrowser browser, IBrowserContext context, IPage page, ICDPSession cdp, string authenticatorId)
    {
        _playwright = playwright;
        _browser = browser;
        Context = context;
        Page = page;
        Cdp = cdp;
        AuthenticatorId = authenticatorId;
    }

    public IBrowserContext Context { get; }

    public IPage Page { get; }

    public ICDPSession Cdp { get; }

    public string AuthenticatorId { get; }

    /// <summary>Messages the page logged or threw (hostile-string tests assert no script ran).</summary>
    public List<string> ConsoleMessages { get; } = [];

    /// <summary>Uncaught JavaScript errors on the page (the "pageerror" event), in order.</summary>
    public List<string> PageErrors { get; } = [];

    public List<string> Dialogs { get; } = [];

    /// <summary>How the next confirm() dialogs are answered (destructive forms ask first); true: OK.</summary>
    public bool AcceptDialogs { get; set; } = true;

    /// <summary>"METHOD URL -> STATUS" of every response the page received, for failure messages.</summary>
    public List<string> Responses { get; } = [];

    /// <param name="protocol">"u2f" (a classic security key) or "ctap2" (FIDO2, with user verification).</param>
    public static async Task<BrowserSession> StartAsync(string protocol = "u2f")
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException($"{ChromiumPath} is missing; install Debian's chromium (apt-get install -y chromium, or run ./test.sh as root)");
        }
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
        var page = await context.NewPageAsync();
        var cdp = await context.NewCDPSessionAsync(page);
        await cdp.SendAsync("WebAuthn.enable", new Dictionary<string, object> { ["enableUI"] = false });
        var options = new Dictionary<string, object>
        {
            ["protocol"] = protocol,
            ["transport"] = "usb",
            ["hasResidentKey"] = protocol == "ctap2",
            ["hasUserVerification"] = protocol == "ctap2",
            ["isUserVerified"] = protocol == "ctap2",
            ["automaticPresenceSimulation"] = true,
        };
        if (protocol == "ctap2")
        {
            options["ctap2Version"] = "ctap2_1";
        }
        var result = await cdp.SendAsync("WebAuthn.addVirtualAuthenticator", new Dictionary<string, object> { ["options"] = options });
        var id = result!.Value.GetProperty("authenticatorId").GetString()!;
        var session = new BrowserSession(playwright, browser, context, page, cdp, id);
        page.Console += (_, message) => session.ConsoleMessages.Add(message.Text);
        page.PageError += (_, error) => session.PageErrors.Add(error);
        page.Response += (_, response) => session.Responses.Add($"{response.Request.Method} {response.Url} -> {response.Status}");
        page.Dialog += async (_, dialog) =>
        {
            session.Dialogs.Add(dialog.Message);
            if (session.AcceptDialogs)
            {
                await dialog.AcceptAsync();
            }
            else
            {
                await dialog.DismissAsync();
            }
        };
        return session;
    }

    /// <summary>The credentials the virtual authenticator holds (id, signCount, …) as CDP reports them.</summary>
    public async Task<IReadOnlyList<System.Text.Json.JsonElement>> CredentialsAsync()
    {
        var result = await Cdp.SendAsync("WebAuthn.getCredentials", new Dictionary<string, object> { ["authenticatorId"] = AuthenticatorId });
        return result!.Value.GetProperty("credentials").EnumerateArray().ToList();
    }

    /// <summary>
    /// Puts copies of <paramref name="other"/>'s credentials (private keys included) on this session's authenticator:
    /// the same person's key at a second browser, so the two can sign in independently.
    /// </summary>
    /// <param name="rpId">The relying party (the app's host name): CDP leaves it out for non-resident (U2F) credentials.</param>
    public async Task CopyCredentialsFromAsync(BrowserSession other, string rpId = "localhost")
    {
        foreach (var credential in await other.CredentialsAsync())
        {
            // Every field getCredentials reports is one addCredential takes (id, private key, counter, user handle, …).
            var copy = new Dictionary<string, object>();
            foreach (var field in credential.EnumerateObject())
            {
                object? value = field.Value.ValueKind switch
                {
                    System.Text.Json.JsonValueKind.String => field.Value.GetString(),
                    System.Text.Json.JsonValueKind.True => true,
                    System.Text.Json.JsonValueKind.False => false,
                    System.Text.Json.JsonValueKind.Number => field.Value.GetInt64(),
                    _ => null,
                };
                if (value is not null)
                {
                    copy[field.Name] = value;
                }
            }
            copy.TryAdd("rpId", rpId);
            await Cdp.SendAsync("WebAuthn.addCredential", new Dictionary<string, object> { ["authenticatorId"] = AuthenticatorId, ["credential"] = copy });
        }
    }

    /// <summary>The antiforgery token of the page now open (any form's; the app renders one per page).</summary>
    public Task<string> AntiforgeryTokenAsync() =>
        Page.EvaluateAsync<string>("() => document.querySelector('input[name=\"__RequestVerificationToken\"]').value");

    /// <summary>Signs in at /login with the virtual key and waits for the start page.</summary>
    public async Task LoginAsync(string baseUrl, string userName)
    {
        await Page.GotoAsync($"{baseUrl}/login");
        await Page.FillAsync("#username", userName);
        await Page.ClickAsync("#signin");
        await WaitForStartPageAsync(baseUrl, "#login-status");
    }

    /// <summary>Opens an invite link, registers the virtual key and waits for the start page.</summary>
    public async Task RedeemInviteAsync(string inviteUrl, string baseUrl)
    {
        await Page.GotoAsync(inviteUrl);
        await Page.ClickAsync("#register");
        await WaitForStartPageAsync(baseUrl, "#register-status");
    }

    private async Task WaitForStartPageAsync(string baseUrl, string statusSelector)
    {
        try
        {
            await Page.WaitForURLAsync($"{baseUrl}/", new PageWaitForURLOptions { Timeout = 15_000 });
        }
        catch (TimeoutException)
        {
            var status = await Page.Locator(statusSelector).InnerTextAsync(new LocatorInnerTextOptions { Timeout = 2000 });
            throw new TimeoutException($"the start page did not open; the page says \"{status}\"; console: {string.Join(" | ", ConsoleMessages)}; responses: {string.Join(" | ", Responses.TakeLast(8))}");
        }
    }

    /// <summary>Saves a full-page PNG under the test output directory's screenshots/ folder.</summary>
    public async Task<string> ScreenshotAsync(string name)
    {
        var directory = Path.Combine(AppContext.BaseDirectory, "screenshots");
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, name + ".png");
        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        return path;
    }

    public async ValueTask DisposeAsync()
    {
        await Context.CloseAsync();
        await _browser.CloseAsync();
        _playwright.Dispose();
    }
}
