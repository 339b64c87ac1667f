using Microsoft.Extensions.DependencyInjection;
using Bastion.Core.Keys;
using Bastion.Core.Store;
using Bastion.Hosting.Configuration;
using Bastion.Gateway.Hosting;
using Bastion.Gateway.Ssh;
using Bastion.Gateway.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Bastion.Core.Mfa;

namespace Bastion.Gateway.Tests.Ssh;

/// <summary>
/// One browser approval per connection (issue [2/8]): a client that repeats its keyboard-interactive request is told
/// about the approval it already has — no new row, no new audit event, the same code and number — so a key holder
/// cannot create approvals without end. Drives the gateway's authenticator over a real SQLite store.
/// </summary>
public sealed class ApprovalPerConnectionTests : IAsyncDisposable
{
    private readonly TempDirectory _data = new();

    [Fact]
    public async Task A_repeated_keyboard_interactive_request_reuses_the_connections_approval()
    {
        await using var services = new ServiceCollection().AddBastion(new BastionOptions { DataDirectory = _data.Path }).BuildServiceProvider();
        var context = services.GetRequiredService<BastionContext>();
        await context.Store.AddUserAsync(new NewUser("repeater") { MfaPolicy = MfaPolicies.KeyAndWebAuthn });
        var pair = SshKeyPair.Generate(_data.Path, name: "repeater");
        var key = await context.Store.AddSshKeyAsync("repeater", AuthorizedKeyLine.Parse(pair.PublicKeyLine));
        var state = new ConnectionState("s-repeat", new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 50000))
        {
            User = await context.Store.GetUserAsync("repeater"),
            VerifiedKey = key,
        };
        var authenticator = new GatewayAuthenticator(context, state);

        var first = await authenticator.BeginKeyboardInteractiveAsync("repeater", CancellationToken.None);
        var second = await authenticator.BeginKeyboardInteractiveAsync("repeater", CancellationToken.None);
        var third = await authenticator.BeginKeyboardInteractiveAsync("repeater", CancellationToken.None);

        var approval = state.Approval!;
        Assert.Contains($"/approve/{approval.Code}", first.Prompts!.Instruction, StringComparison.Ordinal);
        Assert.Contains($"pick the number {approval.MatchNumber}.", first.Prompts.Instruction, StringComparison.Ordinal);
        Assert.Contains("This login comes from 127.0.0.1", first.Prompts.Instruction, StringComparison.Ordinal);
        Assert.All(new[] { second, third }, step =>
        {
            Assert.Contains($"/approve/{approval.Code}", step.Prompts!.Instruction, StringComparison.Ordinal);
            Assert.Contains($"pick the number {approval.MatchNumber}.", step.Prompts.Instruction, StringComparison.Ordinal);
        });
        var stored = await context.Store.GetLoginApprovalAsync(approval.Code);
        Assert.Equal("s-repeat", stored!.SessionId);
        Assert.Equal(new Bastion.Ssh.Algorithms.PublicKeys.SshPublicKey(key.PublicKeyBlob).Fingerprint, stored.KeyFingerprint);
        Assert.InRange(stored.MatchNumber, 10, 99);
        await context.Audit.FlushAsync();
        Assert.Single(await AuditTail.ReadAsync(_data.Path), e => e.Type == "auth.approval_requested");
    }

    public ValueTask DisposeAsync()
    {
        _data.Dispose();
        return ValueTask.CompletedTask;
    }
}
