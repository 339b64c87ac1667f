using Bastion.Gateway.Tests.Infrastructure;
using Bastion.Ssh.Tests.Algorithms.Support;

namespace Bastion.Gateway.Tests.EndToEnd;

/// <summary>
/// FIDO security keys with the stock OpenSSH client (issue 2/5): keys made by ssh-keygen -t ecdsa-sk / ed25519-sk
/// with a software authenticator, logins through the gateway as ProxyJump. The gateway itself judges presence,
/// verify-required and the signature counter; the policy decides whether a touch is MFA enough.
/// </summary>
public sealed class SecurityKeyLoginTests : IClassFixture<TestbedFixture>, IDisposable
{
    private readonly BastionTestbed _bed;
    private readonly SoftSecurityKey _authenticator = new();

    public SecurityKeyLoginTests(TestbedFixture fixture) => _bed = fixture.Bed;

    [Theory]
    [InlineData(SoftSecurityKey.EcdsaKeyType)]
    [InlineData(SoftSecurityKey.Ed25519KeyType)]
    public async Task Policy_sk_logs_in_with_a_touch_and_asks_no_code(string keyType)
    {
        var user = "sk" + keyType[..2];
        var key = await EnrollAsync(user, keyType, "sk");
        var client = NewClient(user, key);

        var result = await client.Ssh.SshAsync(BastionTestbed.TargetHost, "echo touched-$((6*7))", Call());

        Assert.True(result.Succeeded, result.Describe() + _bed.Logs());
        Assert.Equal("touched-42\n", result.StandardOutput);
        // ssh also uses the askpass helper to show "Confirm user presence" notices; no code was asked for.
        Assert.DoesNotContain(client.Ssh.AskPass.Prompts, p => p.Contains("Verification code", StringComparison.Ordinal));
        Assert.Contains(client.Ssh.AskPass.Prompts, p => p.Contains("Confirm user presence", StringComparison.Ordinal));
        var audit = await _bed.WaitForAuditAsync(l => l.Any(e => client.Owns(e) && e.Type == "auth.success"), $"{user}'s auth.success");
        var success = Assert.Single(audit, e => client.Owns(e) && e.Type == "auth.success");
        Assert.Equal("fido", success["mfa"]);
        Assert.Equal("publickey", success["methods"]);
        Assert.Equal("true", success["sk_presence"]);
        Assert.Equal("0x01", success["sk_flags"]);
        Assert.Equal($"sk-{(keyType == SoftSecurityKey.EcdsaKeyType ? "ecdsa-sha2-nistp256" : "ssh-ed25519")}@openssh.com", success["key_type"]);

        var keys = await GatewayCli.RunCheckedAsync(_bed.DataDirectory, "key", "list", user);
        Assert.Contains("application ssh:", keys.StandardOutput);
        Assert.Contains($"counter {success["sk_counter"]}", keys.StandardOutput);
        Assert.Contains("added by cli:", keys.StandardOutput);
        Assert.Contains(" (admin)", keys.StandardOutput);
    }

    [Fact]
    public async Task Policy_sk_plus_totp_asks_for_the_code_after_the_touch()
    {
        var key = await EnrollAsync("sktotp", SoftSecurityKey.EcdsaKeyType, "sk+totp");
        var enroll = await GatewayCli.RunCheckedAsync(_bed.DataDirectory, "totp", "enroll", "sktotp", "--no-qr");
        var client = NewClient("sktotp", key);
        client.AnswerTotpWith(OtpAuthUri.FindIn(enroll.StandardOutput).Secret);

        var result = await client.Ssh.SshAsync(BastionTestbed.TargetHost, "echo both-factors", Call());

        Assert.True(result.Succeeded, result.Describe() + _bed.Logs());
        Assert.Single(client.Ssh.AskPass.Prompts, p => p.EndsWith("Verification code: ", StringComparison.Ordinal));
        var audit = await _bed.WaitForAuditAsync(l => l.Any(e => client.Owns(e) && e.Type == "auth.success"), "sktotp's auth.success");
        Assert.Equal("fido+totp", Assert.Single(audit, e => client.Owns(e) && e.Type == "auth.success")["mfa"]);
    }

    [Fact]
    public async Task A_plain_key_does_not_satisfy_policy_sk()
    {
        await _bed.AddAutomationUserAsync("plainsk");
        await GatewayCli.RunCheckedAsync(_bed.DataDirectory, "user", "set", "plainsk", "--mfa", "sk");
        var client = _bed.NewClient("plainsk");

        var result = await client.Ssh.SshAsync(BastionTestbed.TargetHost, "true");

        Assert.False(result.Succeeded);
        Assert.Contains("must sign in with a security key", result.StandardError);
    }

    [Fact]
    public async Task A_signature_without_presence_is_refused_unless_no_touch_required()
    {
        var key = await EnrollAsync("notouch", SoftSecurityKey.EcdsaKeyType, "sk");
        var client = NewClient("notouch", key);
        _authenticator.NoPresence = true;

        var refused = await client.Ssh.SshAsync(BastionTestbed.TargetHost, "true", Call());

        Assert.False(refused.Succeeded);
        Assert.Contains("did not confirm a touch", refused.StandardError);
        await _bed.WaitForAuditAsync(l => l.Any(e => client.Owns(e) && e.Type == "auth.failure" && (e["reason"] ?? "").Contains("without user presence", StringComparison.Ordinal)),
            "auth.failure for the missing presence flag");

        // The same kind of key enrolled with no-touch-required is accepted without the flag (the target sshd
        // needs the same option for the inner login).
        var relaxed = await EnrollAsync("touchless", SoftSecurityKey.EcdsaKeyType, "sk", options: "no-touch-required");
        var relaxedClient = NewClient("touchless", relaxed);
        var accepted = await relaxedClient.Ssh.SshAsync(BastionTestbed.TargetHost, "echo no-touch-ok", Call());
        Assert.True(accepted.Succeeded, accepted.Describe() + _bed.Logs());
        await AssertStillServesAsync();
    }

    [Fact]
    public async Task A_touch_waived_by_the_keys_owner_is_refused_under_policy_sk()
    {
        // The CLI (an administrator) refuses nobody's no-touch-required; the web page refuses it from non-admins. A key
        // its owner enrolled with it anyway (before the gateway recorded who enrols keys) is stored as by a non-admin.
        var key = _authenticator.GenerateKey(SoftSecurityKey.EcdsaKeyType, "selfwaived");
        var line = "no-touch-required " + (await File.ReadAllTextAsync(key + ".pub")).Trim();
        await GatewayCli.RunCheckedAsync(_bed.DataDirectory, "user", "add", "selfwaived");
        await GatewayCli.RunCheckedAsync(_bed.DataDirectory, "user", "set", "selfwaived", "--mfa", "sk");
        await using (var store = await Bastion.Core.Store.Sqlite.SqliteStore.OpenAsync(Path.Combine(_bed.DataDirectory, "bastion.db")))
        {
            await store.AddSshKeyAsync("selfwaived", Bastion.Core.Keys.AuthorizedKeyLine.Parse(line), new Bastion.Core.Store.KeyEnroller("web:selfwaived", IsAdmin: false));
        }
        _bed.Target.AuthorizeKey(line);
        var client = NewClient("selfwaived", key);
        _authenticator.NoPresence = true;

        var refused = await client.Ssh.SshAsync(BastionTestbed.TargetHost, "echo should-not-run", Call());

        Assert.False(refused.Succeeded, refused.Describe());
        Assert.Contains("no-touch-required was not set by a Bastion administrator", refused.StandardError);
        var audit = await _bed.WaitForAuditAsync(l => l.Any(e => client.Owns(e) && e.Type == "auth.failure" && e["key_option"] == "no-touch-required"),
            "auth.failure for the waived touch");
        Assert.Contains("added by web:selfwaived", Assert.Single(audit, e => client.Owns(e) && e.Type == "auth.failure")["reason"]);
        Assert.DoesNotContain(audit, e => client.Owns(e) && e.Type == "auth.success");
    }

    [Fact]
    public async Task Verify_required_demands_the_user_verified_flag()
    {
        var key = await EnrollAsync("needuv", SoftSecurityKey.Ed25519KeyType, "sk", options: "verify-required");
        var client = NewClient("needuv", key);

        var refused = await client.Ssh.SshAsync(BastionTestbed.TargetHost, "true", Call());
        Assert.False(refused.Succeeded);
        Assert.Contains("requires PIN or biometric verification", refused.StandardError);

        _authenticator.UserVerified = true;
        var accepted = await client.Ssh.SshAsync(BastionTestbed.TargetHost, "echo verified-ok", Call());
        Assert.True(accepted.Succeeded, accepted.Describe() + _bed.Logs());
        var audit = await _bed.WaitForAuditAsync(l => l.Any(e => client.Owns(e) && e.Type == "auth.success"), "needuv's auth.success");
        var success = Assert.Single(audit, e => client.Owns(e) && e.Type == "auth.success");
        Assert.Equal("true", success["sk_verified"]);
        Assert.Equal("0x05", success["sk_flags"]);
    }

    [Fact]
    public async Task A_rewound_counter_is_refused_and_audited_as_a_possible_clone()
    {
        var key = await EnrollAsync("cloned", SoftSecurityKey.EcdsaKeyType, "sk");
        var client = NewClient("cloned", key);
        _authenticator.ForcedCounter = 1000;
        Assert.True((await client.Ssh.SshAsync(BastionTestbed.TargetHost, "true", Call())).Succeeded);

        // A second authenticator with the same key material would sign with its own, lower counter.
        _authenticator.ForcedCounter = 10;
        var refused = await client.Ssh.SshAsync(BastionTestbed.TargetHost, "true", Call());

        Assert.False(refused.Succeeded);
        Assert.Contains("cloned authenticator", refused.StandardError);
        var audit = await _bed.WaitForAuditAsync(l => l.Any(e => client.Owns(e) && e.Type == "auth.sk_counter_regression"), "the clone event");
        var clone = Assert.Single(audit, e => client.Owns(e) && e.Type == "auth.sk_counter_regression");
        Assert.Equal("critical", clone.Severity);
        Assert.Equal("10", clone["counter"]);
        Assert.Equal("rejected", clone["action"]);
        // Anomaly detection turns it into a critical alert that points back at the event.
        audit = await _bed.WaitForAuditAsync(l => l.Any(e => client.Owns(e) && e.Type == "alert.sk_counter_regression"), "the clone alert");
        var alert = Assert.Single(audit, e => client.Owns(e) && e.Type == "alert.sk_counter_regression");
        Assert.Equal("critical", alert.Severity);
        Assert.Equal(clone.Seq.ToString(System.Globalization.CultureInfo.InvariantCulture), alert["trigger_seq"]);
        await AssertStillServesAsync();
    }

    public void Dispose() => _authenticator.Dispose();

    /// <summary>Makes an sk key with the software authenticator, enrols it (with authorized_keys options) and sets the policy.</summary>
    private async Task<string> EnrollAsync(string user, string keyType, string policy, string options = "")
    {
        var key = _authenticator.GenerateKey(keyType, user);
        var line = (await File.ReadAllTextAsync(key + ".pub")).Trim();
        var withOptions = options.Length > 0 ? options + " " + line : line;
        await GatewayCli.RunCheckedAsync(_bed.DataDirectory, "user", "add", user);
        await GatewayCli.RunCheckedAsync(_bed.DataDirectory, "key", "add", user, withOptions);
        await GatewayCli.RunCheckedAsync(_bed.DataDirectory, "user", "set", user, "--mfa", policy);
        _bed.Target.AuthorizeKey(withOptions);
        return key;
    }

    private GatewayClient NewClient(string user, string key)
    {
        var client = _bed.NewClient(user, identityFile: key);
        client.Ssh.AddHostBlock("*", ("SecurityKeyProvider", _authenticator.ProviderPath));
        return client;
    }

    /// <summary>The authenticator's switches travel to ssh-sk-helper in the environment of both ssh hops.</summary>
    private SshCallOptions Call() => new() { Environment = _authenticator.Environment };

    private async Task AssertStillServesAsync()
    {
        await _bed.AddAutomationUserAsync("after" + Guid.NewGuid().ToString("N")[..6]);
        var name = (await GatewayCli.RunCheckedAsync(_bed.DataDirectory, "user", "list")).StandardOutput
            .Split('\n').Select(l => l.Split(' ')[0]).Last(n => n.StartsWith("after", StringComparison.Ordinal));
        var result = await _bed.NewClient(name).Ssh.SshAsync(BastionTestbed.TargetHost, "echo still-serving");
        Assert.True(result.Succeeded, result.Describe() + _bed.Logs());
    }
}
