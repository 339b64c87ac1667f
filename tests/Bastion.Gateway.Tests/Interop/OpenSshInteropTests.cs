using Bastion.Gateway.Tests.Infrastructure;

namespace Bastion.Gateway.Tests.Interop;

/// <summary>
/// OpenSSH 9.2 <c>ssh</c> (Debian openssh-client): the key by IdentityFile, the code through SSH_ASKPASS, the
/// target reached with ProxyJump (the inner SSH session is end to end with the target's sshd). For the rekey case
/// the gateway hop also has RekeyLimit 1M, so both sides start re-exchanges. Security-key logins with the software
/// FIDO provider are covered by <see cref="EndToEnd.SecurityKeyLoginTests"/>.
/// </summary>
public sealed class OpenSshInteropTests(InteropFixture fixture) : InteropClientTests(fixture)
{
    protected override string Client => "openssh";

    protected override Task<ProcessResult> ListTargetsAsync(InteropLogin login)
    {
        var client = login.Bed.NewClient(login.User);
        client.AnswerTotpWith(login.Secret);
        return client.Ssh.SshAsync(login.Bed.GatewayEndpoint(login.User), "list");
    }

    protected override Task<ProcessResult> TransferAsync(InteropLogin login, InteropPayload payload, long clientRekeyBytes)
    {
        var client = login.Bed.NewClient(login.User, clientRekeyBytes > 0 ? [("RekeyLimit", clientRekeyBytes.ToString(System.Globalization.CultureInfo.InvariantCulture))] : []);
        client.AnswerTotpWith(login.Secret);
        return client.Ssh.SshAsync(BastionTestbed.TargetHost, payload.RemoteCommand, new SshCallOptions
        {
            StandardInputFile = payload.Upload,
            StandardOutputFile = payload.Received,
            Timeout = TransferTimeout,
        });
    }
}
