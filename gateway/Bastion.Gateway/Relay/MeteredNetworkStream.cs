using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Bastion.Gateway.Observability;

namespace Bastion.Gateway;

/// <summary>
/// The target connection with its bytes counted as they pass, so the relayed-bytes counter moves while a session
/// runs rather than when it closes. It stays a <see cref="NetworkStream"/> because the relay half-closes the
/// target socket through it.
/// </summary>
public sealed class MeteredNetworkStream : TargetStream
{
    private readonly GatewayMetrics _metrics;

    public MeteredNetworkStream(Socket socket, GatewayMetrics metrics, IDisposable? descriptor = null)
        : base(socket, descriptor)
    {
        _metrics = metrics;
    }

    // Pooled builders: these run for every relayed chunk, and a pending socket read would otherwise allocate its box.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await base.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        if (read > 0)
        {
            _metrics.BytesToClient(read);
        }
        return read;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await base.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
        _metrics.BytesToTarget(buffer.Length);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var read = base.Read(buffer);
        if (read > 0)
        {
            _metrics.BytesToClient(read);
        }
        return read;
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        base.Write(buffer);
        _metrics.BytesToTarget(buffer.Length);
    }
}
