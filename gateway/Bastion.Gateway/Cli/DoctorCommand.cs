using System.CommandLine;
using System.Text.Json;
using Bastion.Core.Security;
using Bastion.Gateway.Doctor;

namespace Bastion.Gateway.Cli;

/// <summary>bastion doctor — one command that says what is wrong with this node, and what to do about it.</summary>
public static class DoctorCommand
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = false };

    public static Command Build(Option<string?> data)
    {
        var json = new Option<bool>("--json") { Description = "One JSON object per check (check, status, detail), for monitoring" };
        var command = new Command("doctor", "Check configuration, files, clock, listener, store, audit chain, inventory and enrolments; exit 1 if anything failed. " +
            "Give the same --Bastion:Key=value settings the gateway runs with, if any") { json };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (parse, ct) =>
        {
            var settings = parse.UnmatchedTokens.ToArray();
            if (settings.FirstOrDefault(t => !t.StartsWith("--Bastion:", StringComparison.OrdinalIgnoreCase)) is { } unknown)
            {
                Console.Error.WriteLine($"bastion: doctor does not know \"{unknown}\"; it takes --data, --json and --Bastion:Key=value settings");
                return ExitCodes.Usage;
            }
            var findings = await GatewayDoctor.RunAsync(() => BastionConfiguration.Bind(BastionConfiguration.Build(parse.GetValue(data), new Dictionary<string, string?>(), settings)), ct);
            foreach (var finding in findings)
            {
                // JSON escapes control characters itself; the text form escapes each line, keeping the line breaks a
                // check puts between its items (checks escape the outside values they quote, newlines included).
                Console.WriteLine(parse.GetValue(json)
                    ? JsonSerializer.Serialize(new { check = finding.Check, status = Label(finding.Status).Trim().ToLowerInvariant(), detail = finding.Detail }, Json)
                    : $"{Label(finding.Status)} {finding.Check,-11} {VisibleLines(finding.Detail)}");
            }
            var failures = findings.Count(f => f.Status == DoctorStatus.Failure);
            var warnings = findings.Count(f => f.Status == DoctorStatus.Warning);
            if (!parse.GetValue(json))
            {
                Console.WriteLine($"{failures} failed, {warnings} warnings, {findings.Count - failures - warnings} ok");
            }
            return failures > 0 ? ExitCodes.Failed : ExitCodes.Ok;
        });
        return command;
    }

    private static string VisibleLines(string detail) =>
        string.Join(Environment.NewLine, detail.Split(Environment.NewLine).Select(TerminalText.Visible));

    private static string Label(DoctorStatus status) => status switch
    {
        DoctorStatus.Ok => "ok  ",
        DoctorStatus.Warning => "WARN",
        _ => "FAIL",
    };
}
