using Bastion.Ssh.Messages;

namespace Bastion.Ssh.Authentication;

public enum AuthOutcome
{
    /// <summary>The user is authenticated; the connection service starts.</summary>
    Success,

    /// <summary>This method succeeded but more are needed (RFC 4252 §5.1 partial success).</summary>
    PartialSuccess,

    /// <summary>This attempt failed; counts toward the attempt limit and is delayed.</summary>
    Failure,

    /// <summary>
    /// Not a credential check (a "none" request, a key the application would not accept, a method it does not offer):
    /// answered as failure at once, without the delay. Counted toward <see cref="SshServerOptions.MaxAuthAttempts"/>
    /// like any failure (OpenSSH's MaxAuthTries counts them too, or probing which keys a user has would be free),
    /// except the connection's first "none", which clients send only to learn the methods.
    /// </summary>
    Listing,
}

/// <summary>
/// The application's verdict on one authentication request. <see cref="Banner"/>, if set, is shown to the user
/// (SSH_MSG_USERAUTH_BANNER) before the answer, so a failure can say what to do.
/// </summary>
public sealed record AuthResult(AuthOutcome Outcome, IReadOnlyList<string> MethodsThatCanContinue, string? Banner = null, bool Disconnect = false)
{
    public static AuthResult Succeeded() => new(AuthOutcome.Success, []);

    public static AuthResult Partial(IReadOnlyList<string> next, string? banner = null) => new(AuthOutcome.PartialSuccess, next, banner);

    public static AuthResult Failed(IReadOnlyList<string> canContinue, string? banner = null) => new(AuthOutcome.Failure, canContinue, banner);

    public static AuthResult List(IReadOnlyList<string> canContinue, string? banner = null) => new(AuthOutcome.Listing, canContinue, banner);

    /// <summary>Fail and close the connection (e.g. locked out): nothing the client tries next can succeed.</summary>
    public static AuthResult FailAndDisconnect(string banner) => new(AuthOutcome.Failure, [], banner, Disconnect: true);
}

/// <summary>Either prompts to send (SSH_MSG_USERAUTH_INFO_REQUEST) or a final result.</summary>
public sealed record KeyboardInteractiveStep(UserAuthInfoRequestMessage? Prompts, AuthResult? Result)
{
    /// <summary>Extra login grace time granted when these prompts are sent (the user acts somewhere else meanwhile).</summary>
    public TimeSpan GraceExtension { get; init; }

    public static KeyboardInteractiveStep Ask(string name, string instruction, params KeyboardInteractivePrompt[] prompts) =>
        new(new UserAuthInfoRequestMessage(name, instruction, prompts), null);

    /// <summary>
    /// Shows <paramref name="instruction"/> with no prompt (RFC 4256 allows zero): the client answers at once, and the
    /// application's next step may then wait for something out of band, such as an approval in a browser.
    /// </summary>
    public static KeyboardInteractiveStep Notify(string name, string instruction, TimeSpan graceExtension) =>
        new(new UserAuthInfoRequestMessage(name, instruction, []), null) { GraceExtension = graceExtension };

    public static KeyboardInteractiveStep Done(AuthResult result) => new(null, result);
}
