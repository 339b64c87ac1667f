using System.Text;
using Bastion.Ssh.Wire;

namespace Bastion.Ssh.Transport;

/// <summary>
/// The identification string exchange (RFC 4253 §4.2). Lines before "SSH-" are allowed from servers only, but
/// some clients send them too; they are tolerated up to a small bound, and every line is bounded.
/// </summary>
internal static class VersionExchange
{
    public const int MaxLineLength = 255;
    private const int MaxPreambleLines = 20;

    public static byte[] Encode(string identification) => Encoding.ASCII.GetBytes(identification + "\r\n");

    public static async ValueTask<string> ReadAsync(InputBuffer input, CancellationToken cancellationToken)
    {
        for (var lineNumber = 0; lineNumber <= MaxPreambleLines; lineNumber++)
        {
            var line = await ReadLineAsync(input, cancellationToken).ConfigureAwait(false);
            if (!line.StartsWith("SSH-", StringComparison.Ordinal))
            {
                continue;
            }
            if (line.StartsWith("SSH-2.0-", StringComparison.Ordinal) || line.StartsWith("SSH-1.99-", StringComparison.Ordinal))
            {
                return line;
            }
            throw new SshProtocolException(DisconnectReason.ProtocolVersionNotSupported,
                $"protocol version not supported: only SSH-2.0 is spoken (peer sent \"{Printable(line)}\")");
        }
        throw new SshProtocolException($"no SSH identification line within the first {MaxPreambleLines} lines");
    }

    private static async ValueTask<string> ReadLineAsync(InputBuffer input, CancellationToken cancellationToken)
    {
        var scanned = 0;
        while (true)
        {
            var span = input.Span;
            var newline = span[scanned..].IndexOf((byte)'\n');
            if (newline >= 0)
            {
                var length = scanned + newline;
                var line = span[..length];
                if (line.Length > 0 && line[^1] == '\r')
                {
                    line = line[..^1];
                }
                // Checked here too: a whole line can arrive in one read, without ever waiting below.
                if (line.Length > MaxLineLength)
                {
                    throw TooLong();
                }
                if (line.IndexOf((byte)0) >= 0)
                {
                    throw new SshProtocolException("identification line contains a NUL byte");
                }
                var text = Encoding.ASCII.GetString(line);
                input.Consume(length + 1);
                return text;
            }
            scanned = span.Length;
            if (scanned > MaxLineLength)
            {
                throw TooLong();
            }
            if (!await input.FillAsync(scanned + 1, cancellationToken).ConfigureAwait(false))
            {
                throw new SshProtocolException(DisconnectReason.ConnectionLost, "connection closed before the SSH identification line");
            }
        }
    }

    private static SshProtocolException TooLong() => new($"identification line longer than {MaxLineLength} bytes");

    private static string Printable(string line) =>
        new(line.Take(64).Select(c => c is >= ' ' and <= '~' ? c : '?').ToArray());
}
