using System.Buffers;
using Bastion.Ssh.Wire;

namespace Bastion.Ssh.Transport;

/// <summary>
/// Buffered reads from the peer's stream. The buffer is rented only while bytes are in flight: when it runs
/// empty it goes back to the pool and the next wait is a zero-byte read, so an idle connection holds no buffer.
/// That is what keeps thousands of held sessions cheap.
/// </summary>
internal sealed class InputBuffer : IDisposable
{
    private const int MinimumRent = 16 * 1024;

    private readonly Stream _stream;
    private byte[]? _buffer;
    private int _start;
    private int _end;

    public InputBuffer(Stream stream) => _stream = stream;

    public int Count => _end - _start;

    /// <summary>Buffered bytes; writable so ciphers can decrypt in place.</summary>
    public Span<byte> Span => _buffer is null ? Span<byte>.Empty : _buffer.AsSpan(_start, _end - _start);

    public Memory<byte> Memory => _buffer is null ? Memory<byte>.Empty : _buffer.AsMemory(_start, _end - _start);

    /// <summary>
    /// Ensures at least <paramref name="count"/> bytes are buffered. Returns false if the stream ended before any
    /// byte of this unit arrived (a clean close); throws if it ended part-way.
    /// </summary>
    public async ValueTask<bool> FillAsync(int count, CancellationToken cancellationToken)
    {
        if (Count >= count)
        {
            return true;
        }
        if (_buffer is null)
        {
            // Wait for readiness without holding memory.
            await _stream.ReadAsync(Memory<byte>.Empty, cancellationToken).ConfigureAwait(false);
            _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(MinimumRent, count));
            _start = _end = 0;
        }
        else if (_buffer.Length - _start < count)
        {
            var bigger = _buffer.Length < count ? ArrayPool<byte>.Shared.Rent(count) : _buffer;
            _buffer.AsSpan(_start, Count).CopyTo(bigger);
            if (!ReferenceEquals(bigger, _buffer))
            {
                ArrayPool<byte>.Shared.Return(_buffer);
            }
            _end = Count;
            _start = 0;
            _buffer = bigger;
        }
        while (Count < count)
        {
            var read = await _stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                if (Count == 0)
                {
                    return false;
                }
                throw new SshProtocolException(DisconnectReason.ConnectionLost, $"connection closed in the middle of a packet ({Count} of {count} bytes)");
            }
            _end += read;
            TotalBytesRead += read;
        }
        return true;
    }

    /// <summary>Every byte the peer has sent so far, identification line included.</summary>
    public long TotalBytesRead { get; private set; }

    public void Consume(int count)
    {
        _start += count;
        if (_start == _end && _buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = null;
            _start = _end = 0;
        }
    }

    public void Dispose()
    {
        if (_buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = null;
        }
    }
}
