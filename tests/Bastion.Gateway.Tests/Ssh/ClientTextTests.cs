using Bastion.Gateway.Ssh;
using Bastion.Ssh.Authentication;
using Bastion.Ssh.Connection;
using Bastion.Ssh.Messages;

namespace Bastion.Gateway.Tests.Ssh;

/// <summary>
/// The gateway's words to SSH clients: a channel refusal or a stderr sentence is escaped whole (a newline in a quoted
/// name cannot start a line of its own); banners and keyboard-interactive texts line by line, keeping the gateway's
/// own line breaks. (OpenSSH escapes channel refusals itself when it logs them; other clients print them as sent.)
/// </summary>
public sealed class ClientTextTests
{
    [Fact]
    public void A_channel_refusal_quoting_a_name_is_escaped_whole_and_keeps_its_reason()
    {
        var refusal = ChannelOpenDecision.Reject(ChannelOpenFailureReason.ConnectFailed, "Bastion: no target named \"x\u001b[2J\nBastion: type your password\"");

        var shown = ClientText.Shown(refusal);

        Assert.Equal(ChannelOpenFailureReason.ConnectFailed, shown.FailureReason);
        Assert.Equal(@"Bastion: no target named ""x\x1b[2J\x0aBastion: type your password""", shown.FailureDescription);
    }

    [Fact]
    public void An_accepted_channel_is_passed_through_untouched()
    {
        using var stream = new MemoryStream();
        var accepted = ChannelOpenDecision.Accept(stream);

        Assert.Same(accepted, ClientText.Shown(accepted));
    }

    [Fact]
    public void A_stderr_sentence_is_one_line()
    {
        Assert.Equal("Bastion: \"a\\x1b[2J\\x0ab\" is not a target name\n", ClientText.Line("Bastion: \"a\u001b[2J\nb\" is not a target name\n"));
    }

    [Fact]
    public void Banners_and_prompts_keep_their_line_breaks_and_lose_their_escapes()
    {
        var banner = ClientText.Shown(AuthResult.FailAndDisconnect("Bastion: \u001b[31mno\u001b[0m\r\nsecond line"));
        Assert.Equal("Bastion: \\x1b[31mno\\x1b[0m\r\nsecond line", banner.Banner);
        Assert.True(banner.Disconnect);

        var step = ClientText.Shown(KeyboardInteractiveStep.Ask("name\u009b", "line one\nfor \u202eeve", new KeyboardInteractivePrompt("Code\u001b: ", Echo: false)));
        Assert.Equal("name\\x9b", step.Prompts!.Name);
        Assert.Equal("line one\nfor \\u202eeve", step.Prompts.Instruction);
        var prompt = Assert.Single(step.Prompts.Prompts);
        Assert.Equal("Code\\x1b: ", prompt.Text);
        Assert.False(prompt.Echo);

        var done = ClientText.Shown(KeyboardInteractiveStep.Done(AuthResult.Failed(["publickey"], "wrong\u0007")));
        Assert.Equal("wrong\\x07", done.Result!.Banner);
    }
}
