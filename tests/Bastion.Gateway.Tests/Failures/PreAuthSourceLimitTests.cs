using System.Net;
using Bastion.Gateway.Tests.Infrastructure;

namespace Bastion.Gateway.Tests.Failures;

/// <summary>
/// The per-source login limit punishes failing, not connecting (like OpenSSH's PerSourcePenalties): thirty developers
/// behind one office address, all at their code prompt at once, are all served on the defaults; an address that failed
/// ten logins recently is held to Bastion:Ssh:MaxUnauthenticatedPerSource, and a client refused for it is told why and
/// when to retry, while other addresses are still served. Real OpenSSH clients, each bound to a loopback alias.
/// </summary>
public sealed class PreAuthSourceLimitTests
{
    [Fact]
    public async Task Thirty_logins_in_progress_from_one_address_all_get_their_code_prompt()
    {
        const int Logins = 30;
        await using var bed = await BastionTestbed.StartAsync();
        var user = await bed.AddUserAsync(bed.UniqueName("office"));
        var office = LoopbackAddresses.Shared.Next();
        user.Client.AddHostBlock(bed.Gateway.Address.ToString(), ("BindAddress", office.ToString()));
        // An askpass helper that marks its prompt and then waits (bounded) like a developer reading a phone.
        var marks = Directory.CreateDirectory(Path.Combine(user.Client.Directory, "prompted")).FullName;
        var helper = Path.Combine(user.Client.Directory, "slow-askpass.sh");
        await File.WriteAllTextAsync(helper, $"#!/bin/sh\ntouch '{marks}/'$$\ni=0\nwhile [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done\nexit 1\n");
        File.SetUnixFileMode(helper, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        var clients = new List<BackgroundProcess>();
        try
        {
            for (var i = 0; i < Logins; i++)
            {
                clients.Add(user.Client.StartSsh(bed.Gateway.Endpoint(user.Name).SshUri, "true", new SshCallOptions
                {
                    Environment = new Dictionary<string, string?> { ["SSH_ASKPASS"] = helper },
                }));
            }
            var deadline = DateTime.UtcNow.AddSeconds(90);
            while (Directory.GetFiles(marks).Length < Logins && DateTime.UtcNow < deadline && clients.Any(c => !c.HasExited))
            {
                await Task.Delay(200);
            }

            var prompted = Directory.GetFiles(marks).Length;
            Assert.True(prompted == Logins,
                $"{prompted} of {Logins} logins from {office} reached the code prompt\n" +
                string.Join("\n", clients.Where(c => c.HasExited).Select(c => $"--- exited {c.ExitCode}: {c.Output}")) + "\n" + bed.Logs());
            Assert.DoesNotContain("per-source limit", bed.Gateway.Output, StringComparison.Ordinal);
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task An_address_that_failed_ten_logins_recently_is_limited_and_told_why_while_others_are_served()
    {
        // User and address lockouts are out of the way here, so that what refuses is the per-source limit.
        await using var bed = await BastionTestbed.StartAsync("--Bastion:Ssh:MaxUnauthenticatedPerSource=2", "--Bastion:Ssh:LoginGraceTimeSeconds=60",
            "--Bastion:Mfa:MaxFailuresPerUser=1000", "--Bastion:Mfa:MaxFailuresPerAddress=1000");
        var guesser = LoopbackAddresses.Shared.Next();
        var other = LoopbackAddresses.Shared.Next();

        // Before any failure the address is not limited: three slots held at once.
        var held = new List<RawSshConnection>();
        try
        {
            await HoldAsync(bed, guesser, held, 3);
            foreach (var connection in held)
            {
                await connection.DisposeAsync();
            }
            held.Clear();

            var user = await bed.AddUserAsync(bed.UniqueName("guess"), passwordPrompts: 5);
            user.Client.AddHostBlock(bed.Gateway.Address.ToString(), ("BindAddress", guesser.ToString()));
            // Wrong codes (5 per ssh run) until the gateway has counted ten, as its disconnect rows sum them up; a
            // loaded machine can cut a run short, hence rounds rather than a fixed two.
            var wrongCodes = 0;
            for (var round = 0; round < 6 && wrongCodes < 10; round++)
            {
                var failed = await bed.SshThroughGatewayAsync(user, user.WrongCode());
                Assert.False(failed.Succeeded, "a wrong code let the login through\n" + failed.Describe());
                for (var wait = 0; wait < 100 && bed.ReadAudit().Count(r => r.Type == "disconnect" && r.User == user.Name) <= round; wait++)
                {
                    await Task.Delay(100); // the run's disconnect row, bounded at 10 s
                }
                wrongCodes = bed.ReadAudit().Where(r => r.Type == "disconnect" && r.User == user.Name).Sum(r => WrongCodes(r["auth_failure_reasons"]));
            }
            Assert.True(wrongCodes >= 10, $"the gateway counted {wrongCodes} wrong codes in 6 runs\n{bed.Logs()}");

            await HoldAsync(bed, guesser, held, 2);
            var refused = await user.Client.SshAsync(bed.Gateway.Endpoint(user.Name).SshUri, "true");
            Assert.False(refused.Succeeded);
            Assert.Matches(@"10 failed logins from 127\.\d+\.\d+\.\d+ in the last 5 min, so 2 logins at a time are allowed from there and 2 are in progress; " +
                           @"try again when one has finished, or in \d+ s without a limit", refused.StandardError);

            await using var elsewhere = await RawSshConnection.ConnectAsync(bed.Gateway.Address, bed.Gateway.Port, other);
            Assert.StartsWith("SSH-2.0-", await elsewhere.ReadServerIdentificationAsync(), StringComparison.Ordinal);
            Assert.Contains("penalised for failed logins", bed.Gateway.Output, StringComparison.Ordinal);
        }
        finally
        {
            foreach (var connection in held)
            {
                await connection.DisposeAsync();
            }
        }
    }

    /// <summary>N of "keyboard-interactive: wrong TOTP code ×N" in a disconnect row's auth_failure_reasons.</summary>
    private static int WrongCodes(string? reasons) =>
        System.Text.RegularExpressions.Regex.Match(reasons ?? "", @"wrong TOTP code ×(\d+)") is { Success: true } m
            ? int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)
            : 0;

    /// <summary>Opens <paramref name="count"/> connections from <paramref name="source"/> that say nothing (each holds a login slot).</summary>
    private static async Task HoldAsync(BastionTestbed bed, IPAddress source, List<RawSshConnection> held, int count)
    {
        for (var i = 0; i < count; i++)
        {
            var connection = await RawSshConnection.ConnectAsync(bed.Gateway.Address, bed.Gateway.Port, source);
            held.Add(connection);
            Assert.StartsWith("SSH-2.0-", await connection.ReadServerIdentificationAsync(), StringComparison.Ordinal);
        }
    }
}
