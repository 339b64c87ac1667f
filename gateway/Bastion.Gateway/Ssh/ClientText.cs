using Bastion.Core.Security;
using Bastion.Ssh.Authentication;
using Bastion.Ssh.Connection;
using Bastion.Ssh.Messages;

namespace Bastion.Gateway.Ssh;

/// <summary>
/// The gateway's words on their way to an SSH client's terminal, escaped with <see cref="TerminalText"/>: refusals
/// quote names the client asked for and names a developer account chose, so an ESC sequence or a newline in one must
/// not act on the user's terminal or start a line that looks like the gateway's. Sentences (channel refusals, stderr
/// lines) are escaped whole, newlines included; banners and keyboard-interactive texts line by line, keeping the line
/// breaks the gateway wrote. The terminal stream of a recorded session does not come through here: that is the target's.
/// </summary>
public static class ClientText
{
    /// <summary>One sentence for the client's stderr, ending in the one newline it may hold.</summary>
    public static string Line(string message) => TerminalText.Visible(message.TrimEnd('\n')) + "\n";

    /// <summary>A channel refusal with its description (OpenSSH prints "open failed: REASON: DESCRIPTION") escaped.</summary>
    public static ChannelOpenDecision Shown(ChannelOpenDecision decision) =>
        decision.FailureDescription is { } description && TerminalText.NeedsEscaping(description)
            ? ChannelOpenDecision.Reject(decision.FailureReason, TerminalText.Visible(description))
            : decision;

    /// <summary>A session-channel refusal with its description escaped, as for <see cref="ChannelOpenDecision"/>.</summary>
    public static SessionOpenDecision Shown(SessionOpenDecision decision) =>
        decision.FailureDescription is { } description && TerminalText.NeedsEscaping(description)
            ? SessionOpenDecision.Reject(decision.FailureReason, TerminalText.Visible(description))
            : decision;

    /// <summary>An authentication answer with its banner escaped line by line.</summary>
    public static AuthResult Shown(AuthResult result) =>
        result.Banner is { } banner ? result with { Banner = Lines(banner) } : result;

    /// <summary>Keyboard-interactive prompts (name, instruction, each prompt) or the final answer, escaped.</summary>
    public static KeyboardInteractiveStep Shown(KeyboardInteractiveStep step) => step switch
    {
        { Prompts: { } prompts } => step with
        {
            Prompts = prompts with
            {
                Name = Lines(prompts.Name),
                Instruction = Lines(prompts.Instruction),
                Prompts = prompts.Prompts.Select(p => p with { Text = Lines(p.Text) }).ToArray(),
            },
        },
        { Result: { } result } => step with { Result = Shown(result) },
        _ => step,
    };

    /// <summary>Each line escaped, the line breaks kept.</summary>
    public static string Lines(string text) => string.Join('\n', text.Split('\n').Select(l => l.EndsWith('\r') ? TerminalText.Visible(l[..^1]) + "\r" : TerminalText.Visible(l)));
}
