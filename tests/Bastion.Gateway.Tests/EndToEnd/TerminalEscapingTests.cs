using System.Text.Json;
using Bastion.Gateway.Tests.Infrastructure;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace Bastion.Gateway.Tests.EndToEnd;

/// <summary>
/// Issue 10, terminal injection: values from outside — tags and accounts in the inventory, the user name a client
/// sends, a key's comment — carry "ESC[2J" (clear screen) and a newline (a forged line). The CLI's lists, the audit
/// trail's human lines and the SSH target listing show them as visible escapes (\x1b[2J, \x0a); no raw ESC byte and
/// no line break from inside a value reaches the terminal. The store and the trail keep the raw value.
/// </summary>
public sealed class TerminalEscapingTests(TestbedFixture fixture) : IClassFixture<TestbedFixture>
{
    private const string Esc = "\u001b";
    private const string Rlo = "\u202e";

    /// <summary>What a developer (or whoever wrote the row) put in: clear the screen, then start a new line.</summary>
    private const string Evil = "a\u001b[2J\nb";

    /// <summary>How it must be shown.</summary>
    private const string EvilShown = @"a\x1b[2J\x0ab";

    private BastionTestbed Bed => fixture.Bed;

    [Fact]
    public async Task Target_list_inventory_list_and_resolve_show_tags_and_accounts_escaped()
    {
        await GatewayCli.AddTargetAsync(Bed.DataDirectory, "esc-cli", "127.0.99.31:22", account: "dev-" + Evil, "note=" + Evil, "dir=" + Rlo + "txt");

        var targets = await GatewayCli.RunCheckedAsync(Bed.DataDirectory, "target", "list");
        AssertNoRawControl(targets.StandardOutput);
        var row = Assert.Single(Lines(targets.StandardOutput), l => l.StartsWith("esc-cli ", StringComparison.Ordinal));
        Assert.Contains("note=" + EvilShown, row, StringComparison.Ordinal);
        Assert.Contains(@"dir=\u202etxt", row, StringComparison.Ordinal);
        Assert.Contains("dev-" + EvilShown, row, StringComparison.Ordinal);
        // One line per target: nothing from inside a value started a line of its own.
        Assert.All(Lines(targets.StandardOutput), l => Assert.Matches("^(esc-|web-)", l));

        var inventory = await GatewayCli.RunCheckedAsync(Bed.DataDirectory, "inventory", "list");
        AssertNoRawControl(inventory.StandardOutput);
        var listed = Assert.Single(Lines(inventory.StandardOutput), l => l.StartsWith("esc-cli ", StringComparison.Ordinal));
        Assert.Contains("dev-" + EvilShown, listed, StringComparison.Ordinal);
        Assert.All(Lines(inventory.StandardOutput), l => Assert.Matches(@"^(NAME |esc-|web-|\d+ targets$)", l));

        var resolved = await GatewayCli.RunCheckedAsync(Bed.DataDirectory, "inventory", "resolve", "esc-cli.dev");
        AssertNoRawControl(resolved.StandardOutput);
        Assert.Contains("  tag note=" + EvilShown + "\n", resolved.StandardOutput, StringComparison.Ordinal);
        Assert.Contains(@"  tag dir=\u202etxt" + "\n", resolved.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_user_name_a_client_sent_is_escaped_by_audit_tail_and_search_and_kept_raw_in_the_trail()
    {
        await Bed.AddAutomationUserAsync("escbot");
        var evilUser = "x" + Evil;
        var shownUser = "x" + EvilShown;

        // The user name is the client's to choose. OpenSSH refuses to send control characters in one ("remote
        // username contains invalid characters"); SSH.NET sends it as given, as any hand-written client could.
        var info = new ConnectionInfo(Bed.Gateway.Address.ToString(), Bed.Gateway.Port, evilUser,
            new PrivateKeyAuthenticationMethod(evilUser, new PrivateKeyFile(Bed.KeyOf("escbot").PrivateKeyPath)))
        {
            Timeout = TimeSpan.FromSeconds(30),
        };
        using (var client = new SshClient(info))
        {
            client.HostKeyReceived += (_, e) => e.CanTrust = "SHA256:" + e.FingerPrintSHA256 == Bed.GatewayHostKeyFingerprint;
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await Assert.ThrowsAsync<SshAuthenticationException>(() => client.ConnectAsync(cts.Token));
        }
        var events = await Bed.WaitForAuditAsync(l => l.Any(e => e.Type == "auth.failure" && e.User == shownUser), "the auth.failure of the escaped user name");
        var source = events.First(e => e.Type == "auth.failure" && e.User == shownUser).Source;

        var tail = await GatewayCli.RunCheckedAsync(Bed.DataDirectory, "audit", "tail", "-n", "500");
        AssertNoRawControl(tail.StandardOutput);
        AssertEveryLineIsAnEvent(tail.StandardOutput);
        Assert.Contains($" user={shownUser} src={source} ", tail.StandardOutput, StringComparison.Ordinal);

        var search = await GatewayCli.RunCheckedAsync(Bed.DataDirectory, "audit", "search", "--type", "auth.failure", "-n", "500");
        AssertNoRawControl(search.StandardOutput);
        AssertEveryLineIsAnEvent(search.StandardOutput);
        Assert.Contains(Lines(search.StandardOutput), l => l.Contains(" auth.failure ", StringComparison.Ordinal) && l.Contains($" user={shownUser} ", StringComparison.Ordinal));

        // --json is for machines: the JSON writer escapes the value itself, and it still reads back as what was sent.
        var json = await GatewayCli.RunCheckedAsync(Bed.DataDirectory, "audit", "search", "--type", "auth.failure", "-n", "500", "--json");
        AssertNoRawControl(json.StandardOutput);
        var users = Lines(json.StandardOutput).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("user").GetString()).ToList();
        Assert.Contains(evilUser, users);
    }

    [Fact]
    public async Task Key_comments_are_escaped_by_key_add_and_key_list()
    {
        const string user = "esckey";
        await GatewayCli.AddUserAsync(Bed.DataDirectory, user);
        var key = await SshKeyPair.GenerateAsync(Bed.Directory.SubDirectory("esc-keys"), SshKeyType.Ed25519, "id_esckey");

        // The key parser refuses C0/C1 control characters in a comment outright…
        var refused = await GatewayCli.RunAsync(Bed.DataDirectory, "key", "add", user, key.PublicKeyBlob + " " + Evil);
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("the comment contains control characters", refused.StandardError, StringComparison.Ordinal);
        AssertNoRawControl(refused.StandardError);

        // …but a right-to-left override or a line separator is text to it, and is shown escaped.
        var added = await GatewayCli.RunCheckedAsync(Bed.DataDirectory, "key", "add", user, key.PublicKeyBlob + " alice@" + Rlo + "pot\u2028fake");
        Assert.Contains(@"alice@\u202epot\u2028fake", added.StandardOutput, StringComparison.Ordinal);
        AssertNoRawControl(added.StandardOutput);

        // A row written some other way (an older version, a restore, a hand edit) is escaped all the same.
        var changed = AuditDatabase.Execute(Path.Combine(Bed.DataDirectory, "bastion.db"),
            "UPDATE ssh_keys SET comment = $comment WHERE user_id = (SELECT id FROM users WHERE name = $user);", ("$comment", "c-" + Evil), ("$user", user));
        Assert.Equal(1, changed);
        var list = await GatewayCli.RunCheckedAsync(Bed.DataDirectory, "key", "list", user);
        AssertNoRawControl(list.StandardOutput);
        Assert.EndsWith("c-" + EvilShown, Assert.Single(Lines(list.StandardOutput)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_ssh_target_listing_shows_names_and_accounts_escaped()
    {
        await GatewayCli.AddTargetAsync(Bed.DataDirectory, "esc-ssh", "127.0.99.32:22", account: "acct-" + Evil);
        await Bed.AddAutomationUserAsync("esclister");
        var client = Bed.NewClient("esclister");

        var listing = await client.Ssh.SshAsync(Bed.GatewayEndpoint("esclister"), "list");

        Assert.True(listing.Succeeded, listing.Describe() + Bed.Logs());
        AssertNoRawControl(listing.StandardOutput);
        var row = Assert.Single(Lines(listing.StandardOutput), l => l.TrimStart().StartsWith("esc-ssh ", StringComparison.Ordinal));
        Assert.EndsWith("  account acct-" + EvilShown, row, StringComparison.Ordinal);
        Assert.DoesNotContain(Lines(listing.StandardOutput), l => l.StartsWith('b'));
        Assert.Contains("Then: ssh ", listing.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_command_that_names_no_target_is_refused_with_the_name_escaped()
    {
        await Bed.AddAutomationUserAsync("escrefused");
        var client = Bed.NewClient("escrefused");

        // "ssh bastion USER@TARGET": the gateway quotes back what it could not read as a target name.
        var refused = await client.Ssh.SshAsync(Bed.GatewayEndpoint("escrefused"), "root@bad" + Esc + "[2Jname");

        Assert.Equal(2, refused.ExitCode);
        Assert.Contains(@"Bastion: ""bad\x1b[2Jname"" is not a target name", refused.StandardError, StringComparison.Ordinal);
        AssertNoRawControl(refused.StandardError);
    }

    /// <summary>No ESC, C1 control or bidi override anywhere; line breaks only between lines (checked by the callers).</summary>
    private static void AssertNoRawControl(string output)
    {
        Assert.DoesNotContain(Esc, output, StringComparison.Ordinal);
        Assert.DoesNotContain(Rlo, output, StringComparison.Ordinal);
        Assert.DoesNotContain("\u2028", output, StringComparison.Ordinal);
        Assert.DoesNotContain(output, c => c is >= '\u0080' and <= '\u009f');
    }

    /// <summary>A newline from inside a value would start a line that is not an event.</summary>
    private static void AssertEveryLineIsAnEvent(string output) =>
        Assert.All(Lines(output), l => Assert.Matches(@"^\s*\d+ \d{4}-\d\d-\d\dT", l));

    private static List<string> Lines(string output) => output.Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
}
