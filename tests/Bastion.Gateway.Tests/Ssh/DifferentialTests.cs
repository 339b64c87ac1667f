using System.Globalization;
using Bastion.Gateway.Tests.Failures;
using Bastion.Gateway.Tests.Infrastructure;

namespace Bastion.Gateway.Tests.Ssh;

/// <summary>Gateway and sshd for <see cref="DifferentialTests"/>: an automation account and root on the target share one key.</summary>
public sealed class DifferentialFixture : TestBedFixture
{
    public SshKeyPair Key { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Key = await SshKeyPair.GenerateAsync(Bed.Directory.SubDirectory("differential"), SshKeyType.Ed25519);
        await GatewayCli.AddUserAsync(Bed.DataDirectory, "diff", automation: true);
        await GatewayCli.AddKeyAsync(Bed.DataDirectory, "diff", Key);
        Bed.Target.AuthorizeKey(Key.PublicKeyLine);
    }
}

/// <summary>
/// Hostile and odd message sequences sent by a raw client (tests/fixtures/raw-clients/differential.py) to the gateway
/// and to OpenSSH sshd 9.2, and how each answers: disconnect, unimplemented, failure, accepted or ignore. A row where
/// the two differ says why; a change in either server's answer fails the row.
/// </summary>
public sealed class DifferentialTests(DifferentialFixture fixture) : IClassFixture<DifferentialFixture>
{
    /// <summary>Row name (as differential.py --list prints it), the gateway's answer, sshd's, and why they differ.</summary>
    public static TheoryData<string, string, string, string> Rows => new()
    {
        { "local-extension-message-before-auth", "disconnect", "disconnect", "" },
        { "unassigned-message-before-auth", "disconnect", "unimplemented", BeforeAuthOnlyLogin },
        { "ignore-flood-before-auth", "ignore", "ignore", "" },
        { "debug-flood-before-auth", "ignore", "ignore", "" },
        { "global-request-before-auth", "disconnect", "unimplemented", BeforeAuthOnlyLogin },
        { "channel-open-before-auth", "disconnect", "unimplemented", BeforeAuthOnlyLogin },
        { "userauth-before-service-request", "disconnect", "unimplemented", BeforeAuthOnlyLogin },
        { "second-kexinit-during-kex", "disconnect", "unimplemented", RekeyBeforeAuth },
        { "crossing-kexinit-before-auth", "ignore", "unimplemented", RekeyBeforeAuth },
        { "service-request-during-rekey-before-auth", "disconnect", "unimplemented", RekeyBeforeAuth },
        { "ext-info-after-rekey-before-auth", "ignore", "unimplemented", RekeyBeforeAuth },
        { "crossing-kexinit-after-auth", "ignore", "ignore", "" },
        { "second-kexinit-during-kex-after-auth", "disconnect", "unimplemented", "RFC 4253 §7.1: no further KEXINIT may be sent during a key exchange; we end the connection, sshd answers UNIMPLEMENTED and carries on with the exchange" },
        { "local-extension-message-after-auth", "unimplemented", "disconnect", "RFC 4253 §11.4: every unrecognised message gets UNIMPLEMENTED; sshd rejects the local-extension range 192-255 outright" },
        { "unassigned-message-after-auth", "unimplemented", "unimplemented", "" },
        { "ignore-flood-after-auth", "ignore", "ignore", "" },
        { "unknown-global-request", "failure", "failure", "" },
        { "unknown-channel-request", "failure", "failure", "" },
        { "data-on-unknown-channel", "disconnect", "disconnect", "" },
        { "data-after-eof", "disconnect", "ignore", "RFC 4254 §5.3: after its EOF a side sends no more data on the channel; the gateway relays to targets and ends a connection that breaks this, sshd drops the data" },
        { "window-overflow", "disconnect", "disconnect", "" },
        { "data-beyond-window", "ignore", "ignore", "" },
        { "reused-channel-id", "accepted", "accepted", "" },
        { "service-request-after-auth", "unimplemented", "unimplemented", "" },
        { "userauth-after-auth", "ignore", "unimplemented", "RFC 4252 §5.1: authentication requests after USERAUTH_SUCCESS SHOULD be silently ignored" },
        { "non-kex-message-during-rekey", "disconnect", "disconnect", "" },
        { "pty-request-with-zero-window", "accepted", "accepted", "" },
        { "ext-info-after-rekey", "ignore", "unimplemented", "RFC 8308 lets a client send EXT_INFO only after its first NEWKEYS; a later one is ignored here, sshd answers UNIMPLEMENTED" },
    };

    private const string RekeyBeforeAuth =
        "sshd 9.2 refuses any re-exchange before authentication (UNIMPLEMENTED to the KEXINIT); the gateway allows one (MaxClientRekeysBeforeAuth) and judges what happens inside it as after authentication";

    private const string BeforeAuthOnlyLogin =
        "before authentication the gateway answers only what a login needs (transport and userauth) and ends the connection on anything else; sshd answers UNIMPLEMENTED and goes on";

    /// <summary>
    /// A key whose options refuse a terminal (no-pty) gets its refusal line on the channel's stderr; with a window of 0
    /// that write cannot go out, and once held up the connection's read loop, which delivers the window (found by the
    /// fuzzing harness). The refusal is answered and the connection keeps working.
    /// </summary>
    [Fact]
    public async Task A_refused_terminal_on_a_channel_with_no_window_does_not_hold_up_the_connection()
    {
        var bed = fixture.Bed;
        var key = await SshKeyPair.GenerateAsync(bed.Directory.SubDirectory("differential-nopty"), SshKeyType.Ed25519);
        await GatewayCli.AddUserAsync(bed.DataDirectory, "diffnopty", automation: true);
        var keyFile = Path.Combine(bed.Directory.SubDirectory("differential-nopty"), "restricted.pub");
        await File.WriteAllTextAsync(keyFile, "no-pty " + key.PublicKeyLine + "\n");
        await GatewayCli.RunCheckedAsync(bed.DataDirectory, "key", "add", "diffnopty", "--file", keyFile);

        var result = await RunAsync("pty-request-with-zero-window", bed.Gateway.Address.ToString(), bed.Gateway.Port.ToString(CultureInfo.InvariantCulture), "diffnopty", key.PrivateKeyPath);

        Assert.True(result.Succeeded, result.Describe());
        Assert.Equal("failure", result.StandardOutput.Trim());
    }

    [Fact]
    public async Task Every_row_of_the_script_is_in_the_table()
    {
        var listed = await RunAsync("--list");
        Assert.True(listed.Succeeded, listed.Describe());
        var names = listed.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(names.Order(StringComparer.Ordinal), Rows.Select(r => (string)r[0]).Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Rows))]
    public async Task Gateway_and_sshd_answer_in_the_same_class_or_the_row_says_why(string row, string gateway, string sshd, string whyTheyDiffer)
    {
        Assert.True((gateway == sshd) == (whyTheyDiffer.Length == 0), $"row {row}: a difference needs a reason, and a reason a difference");
        var bed = fixture.Bed;
        var ours = await AnswerAsync(row, bed.Gateway.Address.ToString(), bed.Gateway.Port, "diff");
        var theirs = await AnswerAsync(row, bed.Target.Address.ToString(), bed.Target.Port, "root");
        Assert.True(ours == gateway && theirs == sshd,
            $"row {row}: expected gateway {gateway} / sshd {sshd}, got gateway {ours} / sshd {theirs}\n{bed.Logs()}");
        Assert.False(bed.Gateway.HasExited, $"the gateway exited after row {row}\n{bed.Logs()}");
    }

    private async Task<string> AnswerAsync(string row, string host, int port, string user)
    {
        var result = await RunAsync(row, host, port.ToString(CultureInfo.InvariantCulture), user, fixture.Key.PrivateKeyPath);
        Assert.True(result.Succeeded, $"row {row} against {host}:{port} could not run\n{result.Describe()}");
        return result.StandardOutput.Trim();
    }

    private static Task<ProcessResult> RunAsync(params string[] args)
    {
        Tools.Require(Tools.Python3);
        return ProcessRunner.RunAsync(new ProcessSpec(Tools.Python3,
            [Path.Combine(RepositoryRoot.Path, "tests", "fixtures", "raw-clients", "differential.py"), .. args])
        { Timeout = TimeSpan.FromSeconds(60) });
    }
}
