namespace Bastion.Core.Audit.Export;

/// <summary>Delivers formatted messages to one receiver; used by one exporter loop at a time.</summary>
public interface IAuditTransport : IAsyncDisposable
{
    /// <summary>"tcp://graylog:12201", for log lines.</summary>
    string Destination { get; }

    /// <summary>
    /// Whether a message whose send failed is worth sending again after a pause (TCP reconnects); a lost datagram
    /// or a closed standard output is not.
    /// </summary>
    bool RetriesFailedMessages { get; }

    /// <summary>Sends one message (adding framing). Throws on failure; the next call starts over (reconnects).</summary>
    ValueTask SendAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken);
}
