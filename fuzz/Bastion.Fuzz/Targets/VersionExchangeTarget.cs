using Bastion.Ssh.Transport;
using Bastion.Ssh.Wire;

namespace Bastion.Fuzz.Targets;

/// <summary>The identification line exchange (RFC 4253 §4.2): the input is everything the peer sends first.</summary>
internal sealed class VersionExchangeTarget : IFuzzTarget
{
    public void Run(byte[] input)
    {
        using var input1 = new InputBuffer(new MemoryStream(input, writable: false));
        try
        {
            var line = VersionExchange.ReadAsync(input1, CancellationToken.None).AsTask().GetAwaiter().GetResult();
            if (!line.StartsWith("SSH-2.0-", StringComparison.Ordinal) && !line.StartsWith("SSH-1.99-", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"accepted an identification line that is not SSH-2.0: {line}");
            }
            if (line.Length > VersionExchange.MaxLineLength)
            {
                throw new InvalidOperationException($"accepted an identification line of {line.Length} characters");
            }
        }
        catch (SshProtocolException)
        {
            // Documented rejection of a bad or missing identification line.
        }
    }
}
