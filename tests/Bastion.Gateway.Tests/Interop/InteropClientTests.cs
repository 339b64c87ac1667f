using Bastion.Gateway.Tests.Infrastructure;

namespace Bastion.Gateway.Tests.Interop;

/// <summary>
/// The three cases every client of the interop matrix must pass against the gateway; each client's class says how it
/// does each step. (1) Login with key + TOTP through keyboard-interactive, running "list" on the gateway: the
/// listing greets the user and the audit trail has auth.success with methods publickey,keyboard-interactive and
/// mfa totp. (2) 10 MiB each way through a direct-tcpip channel to the real sshd target, SHA-256 checked
/// (<see cref="InteropPayload"/>). (3) The same transfer through a gateway that starts a key re-exchange every
/// MiB, with the client asking for its own rekeys too where it can: the checksums still match and the
/// connection's audit trail shows the rekeys.
/// </summary>
[Collection(InteropCollection.Name)]
public abstract class InteropClientTests
{
    /// <summary>At least this many rekeys of 20 MiB at one per MiB (leaves room for how each side counts bytes).</summary>
    private const int MinimumRekeys = 8;

    protected InteropClientTests(InteropFixture fixture) => Fixture = fixture;

    protected InteropFixture Fixture { get; }

    /// <summary>Short name, the prefix of the test's gateway user.</summary>
    protected abstract string Client { get; }

    /// <summary>Logs in (key + the code of <see cref="InteropLogin.Code"/>) and runs "list" on the gateway; stdout is the listing.</summary>
    protected abstract Task<ProcessResult> ListTargetsAsync(InteropLogin login);

    /// <summary>
    /// Logs in, opens direct-tcpip to the target, runs <see cref="InteropPayload.RemoteCommand"/> there with
    /// <see cref="InteropPayload.Upload"/> as its stdin, and writes what came back to <see cref="InteropPayload.Received"/>.
    /// <paramref name="clientRekeyBytes"/> &gt; 0: the client also rekeys on its own after that many bytes, if it can.
    /// </summary>
    protected abstract Task<ProcessResult> TransferAsync(InteropLogin login, InteropPayload payload, long clientRekeyBytes);

    [Fact]
    public async Task Login_with_key_and_TOTP()
    {
        var login = await InteropLogin.CreateAsync(Fixture.Plain, Client);

        var result = await ListTargetsAsync(login);

        Assert.True(result.Succeeded && result.StandardOutput.Contains($"Hello {login.User}.", StringComparison.Ordinal)
                                     && result.StandardOutput.Contains(BastionTestbed.TargetName, StringComparison.Ordinal),
            $"{Client} did not get the gateway's target listing\n{result.Describe()}{login.Bed.Logs()}");
        await InteropAudit.AssertTotpLoginAsync(login, result);
    }

    [Fact]
    public async Task Direct_tcpip_moves_10MiB_each_way_with_matching_SHA256()
    {
        var login = await InteropLogin.CreateAsync(Fixture.Plain, Client);
        var payload = await InteropPayload.CreateAsync(login);

        var result = await TransferAsync(login, payload, clientRekeyBytes: 0);

        payload.AssertIntact(result, login.Bed.Logs());
        await InteropAudit.AssertTotpLoginAsync(login, result);
    }

    [Fact]
    public async Task Rekeys_during_the_transfer_keep_the_SHA256()
    {
        var login = await InteropLogin.CreateAsync(Fixture.Rekeying, Client);
        var payload = await InteropPayload.CreateAsync(login);

        var result = await TransferAsync(login, payload, clientRekeyBytes: 1024 * 1024);

        payload.AssertIntact(result, login.Bed.Logs());
        await InteropAudit.AssertRekeyedAsync(login, MinimumRekeys, result);
    }

    /// <summary>Three minutes for 20 MiB and a few logins: generous on a loaded two-core machine, still bounded.</summary>
    public static readonly TimeSpan TransferTimeout = TimeSpan.FromMinutes(3);
}
