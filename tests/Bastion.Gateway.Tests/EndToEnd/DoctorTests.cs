using System.Globalization;
using Bastion.Gateway.Tests.Infrastructure;

namespace Bastion.Gateway.Tests.EndToEnd;

/// <summary>
/// <c>bastion doctor</c> against a real running gateway and against broken installations: every problem is named
/// with what to do, failures set the exit code, and doctor itself changes nothing (no files, no audit events).
/// </summary>
public sealed class DoctorTests : IAsyncLifetime
{
    private BastionTestbed? _bed;

    [Fact]
    public async Task On_a_healthy_gateway_it_passes_and_names_the_users_who_cannot_log_in_yet()
    {
        var bed = _bed = await BastionTestbed.StartAsync();
        await bed.AddTotpUserAsync("ready");
        await GatewayCli.AddUserAsync(bed.DataDirectory, "halfway");
        var backup = Path.Combine(bed.DataDirectory, "..", "doctor-backup.db");
        await GatewayCli.RunCheckedAsync(bed.DataDirectory, "backup", "create", backup);
        var silentBefore = await SilentDisconnectsAsync(bed);

        var doctor = await DoctorAsync(bed, "--Bastion:Audit:Export:Stdout:Enabled=true");

        Assert.True(doctor.ExitCode == 0, doctor.Describe());
        var lines = doctor.StandardOutput.Split('\n');
        Assert.Contains(lines, l => l.StartsWith("ok   listener", StringComparison.Ordinal) && l.Contains($"{bed.Gateway.Address}:{bed.Gateway.Port} answers SSH-2.0-Bastion", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("ok   host key", StringComparison.Ordinal) && l.Contains(bed.GatewayHostKeyFingerprint, StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("ok   audit", StringComparison.Ordinal) && l.Contains("chain intact", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("ok   store", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("WARN users", StringComparison.Ordinal) && l.Contains("1 of 2 enabled users cannot log in yet", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("halfway (policy key+totp): no SSH key: bastion key add halfway", StringComparison.Ordinal) && l.Contains("bastion totp enroll halfway", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains("ready (", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("WARN admins", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("ok   backup", StringComparison.Ordinal) && l.Contains("last backup 0 days ago to " + Path.GetFullPath(backup), StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("ok   shipping", StringComparison.Ordinal) && l.Contains("journald (stdout)", StringComparison.Ordinal));
        Assert.Contains(lines, l => (l.StartsWith("ok   disk", StringComparison.Ordinal) || l.StartsWith("WARN disk", StringComparison.Ordinal)) && l.Contains($"where {bed.DataDirectory} is", StringComparison.Ordinal));
        // The live gateway's descriptors, found by its listening socket (not doctor's own shell limits).
        Assert.True(lines.Any(l => (l.StartsWith("ok   open files", StringComparison.Ordinal) || l.StartsWith("WARN open files", StringComparison.Ordinal))
            && l.Contains($"gateway pid {bed.Gateway.ProcessId.ToString(CultureInfo.InvariantCulture)}: ", StringComparison.Ordinal) && l.Contains("more forwarded sessions", StringComparison.Ordinal)), doctor.StandardOutput);
        Assert.Contains("0 failed", doctor.StandardOutput, StringComparison.Ordinal);
        // Its probe of the listener is a connection that says nothing: counted by the gateway, not audited.
        Assert.Equal(silentBefore, await SilentDisconnectsAsync(bed));
    }

    [Fact]
    public async Task A_readable_secret_key_and_an_edited_audit_event_fail_it_with_what_to_do()
    {
        var bed = _bed = await BastionTestbed.StartAsync();
        await GatewayCli.AddUserAsync(bed.DataDirectory, "victim");
        var added = (await AuditTail.ReadAsync(bed.DataDirectory)).First(e => e.Type == "admin.user.added" && e["subject"] == "victim");
        Assert.Equal(1, AuditDatabase.Execute(Path.Combine(bed.DataDirectory, "bastion.db"),
            "UPDATE audit_events SET data = replace(data, 'victim', 'someone') WHERE seq = $seq;", ("$seq", added.Seq)));

        var broken = await DoctorAsync(bed, "--json");
        // Nothing ships the trail and no backup was ever taken: both said, with what to do.
        Assert.Contains("{\"check\":\"shipping\",\"status\":\"warn\",\"detail\":\"audit events stay in the database only", broken.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("{\"check\":\"backup\",\"status\":\"warn\",\"detail\":\"no backup of the database in the audit trail: systemctl enable --now bastion-backup.timer", broken.StandardOutput, StringComparison.Ordinal);

        Assert.Equal(1, broken.ExitCode);
        Assert.Contains($"{{\"check\":\"audit\",\"status\":\"fail\",\"detail\":\"chain BROKEN at event {added.Seq.ToString(CultureInfo.InvariantCulture)}", broken.StandardOutput, StringComparison.Ordinal);

        File.SetUnixFileMode(Path.Combine(bed.DataDirectory, "secret.key"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
        var exposed = await DoctorAsync(bed);

        Assert.Equal(1, exposed.ExitCode);
        Assert.Contains("FAIL secret key", exposed.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("chmod 600", exposed.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_an_installation_it_fails_on_each_missing_piece_and_creates_nothing()
    {
        using var dir = new TempDirectory("bastion-doctor");
        var missing = Path.Combine(dir.Path, "never-started");
        var (address, port) = LoopbackAddresses.Shared.NextEndpoint(22);
        var spec = new ProcessSpec(GatewayBinary.DotnetHost,
            [GatewayBinary.RequireBastionDll(), "--data", missing, "doctor", $"--Bastion:Ssh:ListenAddress={address}", $"--Bastion:Ssh:Port={port}"])
        {
            WorkingDirectory = dir.Path,
        };

        var doctor = await ProcessRunner.RunAsync(spec);

        Assert.True(doctor.ExitCode == 1, doctor.Describe());
        Assert.Contains($"FAIL data        {missing} does not exist", doctor.StandardOutput, StringComparison.Ordinal);
        Assert.Contains($"FAIL listener    nothing listens on {address}:{port}", doctor.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("WARN store       not checked", doctor.StandardOutput, StringComparison.Ordinal);
        Assert.False(Directory.Exists(missing), "doctor created the data directory");

        var typo = await ProcessRunner.RunAsync(spec with { Arguments = [GatewayBinary.RequireBastionDll(), "--data", missing, "doctor", "--jsno"] });
        Assert.Equal(2, typo.ExitCode);
        Assert.Contains("doctor does not know \"--jsno\"", typo.StandardError, StringComparison.Ordinal);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    /// <summary>xUnit 2 disposes test classes through IAsyncLifetime (not IAsyncDisposable): the gateway and sshd stop here.</summary>
    public async Task DisposeAsync()
    {
        if (_bed is not null)
        {
            await _bed.DisposeAsync();
        }
    }

    private static Task<ProcessResult> DoctorAsync(BastionTestbed bed, params string[] extra) =>
        ProcessRunner.RunAsync(GatewayBinary.Spec(bed.DataDirectory,
            ["doctor", $"--Bastion:Ssh:ListenAddress={bed.Gateway.Address}", $"--Bastion:Ssh:Port={bed.Gateway.Port.ToString(CultureInfo.InvariantCulture)}", .. extra]));

    private static async Task<int> SilentDisconnectsAsync(BastionTestbed bed) =>
        (await AuditTail.ReadAsync(bed.DataDirectory)).Count(e => e.Type == "disconnect" && e["bytes_received"] == "0");
}
