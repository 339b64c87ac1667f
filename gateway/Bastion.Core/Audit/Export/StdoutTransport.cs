using System.Text;

namespace Bastion.Core.Audit.Export;

/// <summary>
/// One line per message on standard output. It goes through the same synchronized <see cref="TextWriter"/> as the
/// console logger, one Write per line, so audit lines and log lines never interleave within a line.
/// </summary>
public sealed class StdoutTransport(TextWriter output) : IAuditTransport
{
    public string Destination => "stdout";

    public bool RetriesFailedMessages => false;

    public async ValueTask SendAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
    {
        var line = string.Concat(Encoding.UTF8.GetString(message.Span), "\n");
        await output.WriteAsync(line.AsMemory(), cancellationToken).ConfigureAwait(false);
        await output.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
