using Bastion.Admin.Security;
using Bastion.Admin.Security.StepUp;
using Bastion.Core.Audit;
using Bastion.Core.Mfa;
using Bastion.Core.Store;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Mvc;
using QRCoder;

namespace Bastion.Admin.Pages.Account;

/// <summary>
/// TOTP enrolment in two steps: the new secret is shown once (QR + text) and stored as pending; it replaces the
/// active one only when the user types a valid code from it. Showing a new secret needs proof beyond the cookie:
/// a recent security-key assertion (step-up), or, to replace an active secret, a current code from it. A mistyped
/// confirmation code shows the same secret again: the page that showed it carries it, encrypted and for 15 minutes,
/// in the confirm form, so the cookie alone (a stolen session) can never fetch a pending secret.
/// </summary>
[Authorize(Policy = Policies.User)]
public sealed class TotpModel(PendingTotpEnrollment enrollment, IDataProtectionProvider dataProtection) : BastionPageModel
{
    private static readonly TimeSpan ShownFor = TimeSpan.FromMinutes(15);

    public bool Active { get; private set; }

    public bool Pending { get; private set; }

    public TotpEnrollmentResult? Enrollment { get; private set; }

    public string? QrDataUri { get; private set; }

    /// <summary>The shown secret, encrypted for this user, posted back by the confirm form.</summary>
    public string? Shown { get; private set; }

    public string? ConfirmError { get; private set; }

    private ITimeLimitedDataProtector ShownProtector =>
        dataProtection.CreateProtector("Bastion.Admin.Totp.ShownSecret").ToTimeLimitedDataProtector();

    /// <summary>After a start the new secret arrives from the POST through TempData (read once): a reload shows it no more.</summary>
    public async Task OnGetAsync()
    {
        var user = await CurrentUserAsync();
        if (TempData[ShownKey] is string carried && Reveal(user, carried) is { } started)
        {
            Show(started, carried);
        }
        await LoadAsync(user);
    }

    private const string ShownKey = "TotpShown";

    [RequiresStepUp("set up or replace TOTP")]
    public async Task<IActionResult> OnPostStartAsync() => await StartAsync(await CurrentUserAsync(), "security key");

    /// <summary>
    /// Replaces an active secret on the strength of its current code instead of a security key. The code is spent
    /// (as at an ssh login), and wrong codes count toward the same lockout, so this is no cheaper way to guess codes.
    /// </summary>
    public async Task<IActionResult> OnPostReplaceAsync(string? currentCode)
    {
        var user = await CurrentUserAsync();
        var address = HttpContext.Connection.RemoteIpAddress;
        var lockout = await Bastion.RateLimiter.CheckAsync(user.Name, address, HttpContext.RequestAborted);
        if (lockout.IsLockedOut)
        {
            return RedirectWithError($"Too many wrong codes; try again in {Math.Ceiling(lockout.RetryAfter.TotalMinutes)} minutes, or replace with your security key.");
        }
        var result = await Bastion.Totp.VerifyAsync(user, currentCode ?? "", HttpContext.RequestAborted);
        if (result != TotpVerificationResult.Accepted)
        {
            await Bastion.RateLimiter.RecordFailureAsync(user.Name, address, ct: HttpContext.RequestAborted);
            await Audit.WriteAsync(AdminAudit.StepUpFailure, user.Name, new() { ["method"] = "totp", ["reason"] = result.ToString().ToLowerInvariant() }, AuditSeverity.Warning);
            return RedirectWithError(result == TotpVerificationResult.NotEnrolled
                ? "TOTP is not set up yet: use \"Set up TOTP\"."
                : "That is not the current code of your authenticator app (each code works once). Type the code it shows now, or replace with your security key instead.");
        }
        return await StartAsync(user, "current code");
    }

    public async Task<IActionResult> OnPostConfirmAsync(string? code, string? shown)
    {
        var user = await CurrentUserAsync();
        var result = await enrollment.ConfirmAsync(user, code ?? "", HttpContext.RequestAborted);
        switch (result)
        {
            case TotpVerificationResult.Accepted:
                await Audit.WriteAsync(AuditEventTypes.AdminTotpEnrolled, user.Name, new() { ["confirmed"] = "true" });
                return RedirectWithMessage("TOTP is active. Use codes from your app when you log in with ssh.");
            case TotpVerificationResult.NotEnrolled:
                return RedirectWithError("Nothing to confirm; set up TOTP first.");
        }
        const string wrong = "That code is not right. Check the time on your phone and type the current code.";
        if (Reveal(user, shown) is not { } again)
        {
            return RedirectWithError(wrong);
        }
        ConfirmError = wrong;
        Show(again, shown!);
        await LoadAsync(user);
        Response.StatusCode = StatusCodes.Status400BadRequest;
        return Page();
    }

    /// <summary>The secret the confirm form carried, if it is this user's, unaltered and not older than <see cref="ShownFor"/>.</summary>
    private TotpEnrollmentResult? Reveal(User user, string? shown)
    {
        if (string.IsNullOrEmpty(shown))
        {
            return null;
        }
        try
        {
            var parts = ShownProtector.Unprotect(shown).Split('\n');
            return parts.Length == 3 && parts[0] == user.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)
                ? new TotpEnrollmentResult(user.Name, parts[1], parts[2])
                : null;
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return null;
        }
    }

    private void Show(TotpEnrollmentResult shown, string carried)
    {
        Enrollment = shown;
        Shown = carried;
        using var data = QRCodeGenerator.GenerateQrCode(shown.OtpAuthUri, QRCodeGenerator.ECCLevel.M);
        var svg = new SvgQRCode(data).GetGraphic(4);
        QrDataUri = "data:image/svg+xml;base64," + Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(svg));
    }

    /// <param name="provedBy">What allowed it, for the audit trail: "security key" (step-up) or "current code".</param>
    private async Task<IActionResult> StartAsync(User user, string provedBy)
    {
        var started = await enrollment.StartAsync(user, HttpContext.RequestAborted);
        var id = user.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await Audit.WriteAsync("admin.totp.started", user.Name, new() { ["proved_by"] = provedBy });
        // POST-redirect-GET: the page that shows the secret is a GET, so a reload never starts another secret.
        TempData[ShownKey] = ShownProtector.Protect($"{id}\n{started.Base32Secret}\n{started.OtpAuthUri}", ShownFor);
        return RedirectToPage();
    }

    private async Task LoadAsync(User user)
    {
        Active = await Store.GetTotpCredentialAsync(user.Id, HttpContext.RequestAborted) is not null;
        Pending = await Store.GetPendingTotpAsync(user.Id, HttpContext.RequestAborted) is not null;
    }
}
