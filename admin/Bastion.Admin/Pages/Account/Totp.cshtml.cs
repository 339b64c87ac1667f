using Bastion.Admin.Security;
using Bastion.Core.Audit;
using Bastion.Core.Mfa;
using Bastion.Core.Store;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using QRCoder;

namespace Bastion.Admin.Pages.Account;

/// <summary>
/// TOTP enrolment in two steps: the new secret is shown once (QR + text) and stored as pending; it replaces the
/// active one only when the user types a valid code from it.
/// </summary>
[Authorize(Policy = Policies.User)]
public sealed class TotpModel(PendingTotpEnrollment enrollment) : BastionPageModel
{
    public bool Active { get; private set; }

    public bool Pending { get; private set; }

    public TotpEnrollmentResult? Enrollment { get; private set; }

    public string? QrDataUri { get; private set; }

    public async Task OnGetAsync() => await LoadAsync(await CurrentUserAsync());

    public async Task<IActionResult> OnPostStartAsync()
    {
        var user = await CurrentUserAsync();
        Enrollment = await enrollment.StartAsync(user, HttpContext.RequestAborted);
        using var data = QRCodeGenerator.GenerateQrCode(Enrollment.OtpAuthUri, QRCodeGenerator.ECCLevel.M);
        var svg = new SvgQRCode(data).GetGraphic(4);
        QrDataUri = "data:image/svg+xml;base64," + Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(svg));
        await Audit.WriteAsync("admin.totp.started", user.Name);
        await LoadAsync(user);
        return Page();
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

    private async Task LoadAsync(User user)
    {
        Active = await Store.GetTotpCredentialAsync(user.Id, HttpContext.RequestAborted) is not null;
        Pending = await Store.GetPendingTotpAsync(user.Id, HttpContext.RequestAborted) is not null;
    }
}
