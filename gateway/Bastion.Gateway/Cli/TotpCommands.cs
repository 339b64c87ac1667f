using System.CommandLine;
using Bastion.Core.Audit;
using QRCoder;

namespace Bastion.Gateway.Cli;

/// <summary>bastion totp enroll USER — prints the otpauth URI and a terminal QR code, once.</summary>
public static class TotpCommands
{
    public static Command Build(Option<string?> data)
    {
        var command = new Command("totp", "Manage TOTP authenticators");
        var user = new Argument<string>("user");
        var noQr = new Option<bool>("--no-qr") { Description = "Print only the URI" };
        var enroll = new Command("enroll", "Create (or replace) a user's TOTP secret and show it once") { user, noQr };
        enroll.SetAction((parse, ct) => CliRunner.RunAsync(parse.GetValue(data), async (context, token) =>
        {
            var result = await context.TotpEnrollment.EnrollAsync(parse.GetValue(user)!, token);
            await context.Audit.AppendNowAsync(UserCommands.AdminEvent(AuditEventTypes.AdminTotpEnrolled, result.UserName, new()), token);
            Console.WriteLine($"TOTP enrolled for {result.UserName}. Scan the code or enter the URI in the authenticator app;");
            Console.WriteLine("it is shown only now and stored encrypted.");
            Console.WriteLine();
            Console.WriteLine(result.OtpAuthUri);
            if (!parse.GetValue(noQr))
            {
                using var generator = new QRCodeGenerator();
                using var qr = generator.CreateQrCode(result.OtpAuthUri, QRCodeGenerator.ECCLevel.M);
                Console.WriteLine(new AsciiQRCode(qr).GetGraphicSmall(drawQuietZones: true, invert: false, endOfLine: "\n"));
            }
            return ExitCodes.Ok;
        }, ct));
        command.Add(enroll);
        return command;
    }
}
