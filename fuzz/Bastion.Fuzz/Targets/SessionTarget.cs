using Bastion.Fuzz.Support;
using Bastion.Ssh;

namespace Bastion.Fuzz.Targets;

/// <summary>
/// A whole server session over an in-memory stream, with the fuzzer's messages after a scripted key exchange
/// (<c>userauth</c>: the userauth state machine) or after a scripted keyboard-interactive login too (<c>connection</c>:
/// the channel state machine). The session must end by itself when the input ends, never let an exception escape, and
/// never log an unexpected error.
/// </summary>
internal sealed class SessionTarget(bool authenticated) : IFuzzTarget
{
    private static readonly SshServerOptions Options = new()
    {
        HostKeys = [FuzzAlgorithms.HostKey],
        Algorithms = FuzzAlgorithms.Table,
        AuthFailureDelay = TimeSpan.Zero,
        ClientRekeyInterval = TimeSpan.Zero,
        MaxClientRekeysBeforeAuth = 2,
        ChannelWindowSize = 64 * 1024,
        MaxChannelsPerConnection = 8,
    };

    public void Run(byte[] input)
    {
        var logger = new FailureCollectingLogger();
        var stream = new ScriptedStream(SessionScript.Build(input, authenticated));
        var session = new SshServerSession(stream, Options, new FuzzSessionHandler(), logger);
        var run = session.RunAsync(CancellationToken.None);
        if (!run.Wait(TimeSpan.FromSeconds(3)))
        {
            throw new FuzzLimitExceededException("the session was still running 3 s after its client's input ended");
        }
        if (logger.FirstError is { } error)
        {
            throw new InvalidOperationException("the server logged an unexpected error: " + error);
        }
        if (authenticated && session.UserName is null)
        {
            throw new InvalidOperationException("the scripted login did not authenticate; the connection target is not reaching the connection service");
        }
    }
}
