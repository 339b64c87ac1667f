using Bastion.Admin.Security;
using Bastion.Admin.Security.StepUp;
using Bastion.Core.Audit;
using Bastion.Core.Mfa;
using Bastion.Core.Store;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using QRCoder;

namespace Bastion.Admin.Pages.Account;

/// <summary>
/// TOTP enrolment in two steps: the new secret is shown once (QR + text) and stored as pending; it replaces the
/// active one only when the user types a valid code from it. Showing a new secret needs proof beyond the cookie:
/// a recent security-key assertion (step-up), or, to replace an active secret, a current code from it.
/// </summary>
[Authorize(Policy = Policies.User)]
public sealed class TotpModel(PendingTotpEnrollment enrollment) : BastionPageModel
{
    public bool Active { get; private set; }

    public bool Pending { get; private set; }

    public TotpEnrollmentResult? Enrollment { get; private set; }

    public string? QrDataUri { get; private set; }

    public async Task OnGetAsync() => await LoadAsync(await CurrentUserAsync());

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

    public async Task<IActionResult> OnPostConfirmAsync(string? code)
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
            default:
                return RedirectWithError("That code is not right. Check the time on your phone and type the current code.");
        }
    }

    /// <param name="provedBy">What allowed it, for the audit trail: "security key" (step-up) or "current code".</param>
    private async Task<IActionResult> StartAsync(User user, string provedBy)
    {
        Enrollment = await enrollment.StartAsync(user, HttpContext.RequestAborted);
        using var data = QRCodeGenerator.GenerateQrCode(Enrollment.OtpAuthUri, QRCodeGenerator.ECCLevel.M);
        var svg = new SvgQRCode(data).GetGraphic(4);
        QrDataUri = "data:image/svg+xml;base64," + Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(svg));
        await Audit.WriteAsync("admin.totp.started", user.Name, new() { ["proved_by"] = provedBy });
        await LoadAsync(user);
        return Page();
    }

    private async Task LoadAsync(User user)
    {
        Active = await Store.GetTotpCredentialAsync(user.Id, HttpContext.RequestAborted) is not null;
        Pending = await Store.GetPendingTotpAsync(user.Id, HttpContext.RequestAborted) is not null;
    }
}
