using Bastion.Gateway.Cli;
using Bastion.Hosting.Configuration;
using Bastion.Gateway.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace Bastion.Gateway.Doctor;

/// <summary>
/// Runs every check <c>bastion doctor</c> knows, in the order an on-call would ask: is it configured, are its
/// files sound, is its clock right, is it answering, and what does the store say. Reads only: nothing is created,
/// appended or migrated that the gateway would not do itself — and with the secret key missing the store is not
/// opened at all, since opening it would create a new key.
/// </summary>
public static class GatewayDoctor
{
    public static async Task<IReadOnlyList<DoctorFinding>> RunAsync(Func<BastionOptions> loadOptions, CancellationToken ct)
    {
        var findings = new List<DoctorFinding>();
        BastionOptions options;
        try
        {
            options = loadOptions();
            var errors = BastionOptionsValidator.Validate(options);
            if (errors.Count > 0)
            {
                throw new BastionConfigurationException(errors);
            }
        }
        catch (Exception ex) when (KnownFailures.Describe(ex) is { } problem)
        {
            findings.Add(DoctorFinding.Fail("config", problem.Message));
            return findings;
        }
        findings.Add(DoctorFinding.Ok("config", $"valid; SSH on {options.Ssh.ListenAddress}:{options.Ssh.Port}, store {options.Store.Provider}"));

        var paths = BastionPaths.From(options);
        var data = FileChecks.DataDirectory(paths);
        findings.Add(data);
        var secret = FileChecks.SecretKey(paths);
        findings.Add(secret);
        findings.AddRange(FileChecks.HostKeys(paths));
        if (options.Recording.Enabled)
        {
            findings.Add(options.Recording.UsesCertificates
                ? FileChecks.OptionalKey("target CA", paths.TargetCaKey, "bastion recording ca-key creates it and prints the line for the targets' TrustedUserCAKeys")
                : FileChecks.OptionalKey("target key", paths.TargetClientKey, "bastion recording client-key creates it and prints the line for the targets' authorized_keys"));
        }
        if (DiskSpaceCheck.Run(paths.DataDirectory) is { } disk)
        {
            findings.Add(disk);
        }
        findings.Add(ClockCheck.Run());
        findings.Add(await ListenerCheck.RunAsync(options.Ssh, ct).ConfigureAwait(false));
        findings.Add(OpenFilesCheck.Run(System.Net.IPAddress.Parse(options.Ssh.ListenAddress), options.Ssh.Port));
        if (await HealthEndpointCheck.RunAsync(options.Metrics, ct).ConfigureAwait(false) is { } health)
        {
            findings.Add(health);
        }
        findings.Add(AuditSafetyChecks.Shipping(options.Audit.Export));

        if (data.Status == DoctorStatus.Failure || !File.Exists(paths.SecretKey))
        {
            findings.Add(DoctorFinding.Warn("store", "not checked: " + (data.Status == DoctorStatus.Failure ? "no data directory" : "the secret key is missing, and opening the store would create a new one")));
            return findings;
        }
        await AddStoreFindingsAsync(findings, options, ct).ConfigureAwait(false);
        return findings;
    }

    private static async Task AddStoreFindingsAsync(List<DoctorFinding> findings, BastionOptions options, CancellationToken ct)
    {
        // Doctor's own output is the report; audit records from it would only be noise on the terminal.
        options.Audit.Export.Stdout.Enabled = false;
        var services = new ServiceCollection().AddBastion(options).BuildServiceProvider();
        await using (services.ConfigureAwait(false))
        {
            BastionContext context;
            try
            {
                context = services.GetRequiredService<BastionContext>();
            }
            catch (Exception ex) when (KnownFailures.Describe(ex) is { } problem)
            {
                findings.Add(DoctorFinding.Fail("store", problem.Message));
                return;
            }
            var checks = new Func<Task<DoctorFinding?>>[]
            {
                async () => await StoreChecks.StoreAsync(context, ct).ConfigureAwait(false),
                async () => await StoreChecks.AuditAsync(context, ct).ConfigureAwait(false),
                () => AuditSafetyChecks.BackupAsync(context, ct),
                () => StoreChecks.InventoryAsync(context, ct),
                async () => await StoreChecks.UsersAsync(context, ct).ConfigureAwait(false),
                async () => await StoreChecks.AdminsAsync(context, ct).ConfigureAwait(false),
                async () => await StoreChecks.NodesAsync(context, ct).ConfigureAwait(false),
                async () => await StoreChecks.SessionsAsync(context, ct).ConfigureAwait(false),
            };
            foreach (var check in checks)
            {
                try
                {
                    if (await check().ConfigureAwait(false) is { } finding)
                    {
                        findings.Add(finding);
                    }
                }
                catch (Exception ex) when (KnownFailures.Describe(ex) is { } problem)
                {
                    findings.Add(DoctorFinding.Fail("store", problem.Message));
                    return; // one unreachable store answers every later question the same way
                }
            }
        }
    }
}
