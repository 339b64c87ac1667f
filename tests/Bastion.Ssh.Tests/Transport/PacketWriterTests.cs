using System.Buffers.Binary;
using Bastion.Ssh.Messages;
using Bastion.Ssh.Transport;
using Bastion.Ssh.Wire;

namespace Bastion.Ssh.Tests.Transport;

/// <summary>The writer's two promises the connection's wind-down relies on: nothing after DISCONNECT, and a send that never waits.</summary>
public sealed class PacketWriterTests
{
    [Fact]
    public async Task Nothing_is_written_after_a_disconnect()
    {
        using var stream = new MemoryStream();
        var writer = new PacketWriter(stream);

        await writer.EnqueueAsync(new DisconnectMessage(DisconnectReason.ByApplication, "idle for 900 s"));
        await writer.EnqueueAsync(new ChannelCloseMessage(3));
        writer.Complete();
        await writer.Completion.WaitAsync(TimeSpan.FromSeconds(10));

        var payloads = Payloads(stream.ToArray());
        var only = Assert.Single(payloads);
        Assert.Equal(MessageNumber.Disconnect, only[0]);
        Assert.Equal("idle for 900 s", DisconnectMessage.Read(only).Description);
    }

    [Fact]
    public async Task TryEnqueue_refuses_instead_of_waiting_when_the_peer_is_not_reading()
    {
        var stream = new StalledStream();
        var writer = new PacketWriter(stream);
        Assert.True(writer.TryEnqueue(new IgnoreMessage([])));
        await stream.WriteStarted.WaitAsync(TimeSpan.FromSeconds(10)); // the loop holds that one; the queue is empty

        var accepted = 0;
        while (accepted < 10_000 && writer.TryEnqueue(new IgnoreMessage([])))
        {
            accepted++;
        }

        Assert.Equal(256, accepted);
        stream.Release();
        writer.Complete();
        await writer.Completion.WaitAsync(TimeSpan.FromSeconds(10));
    }

    /// <summary>Unprotected packets: uint32 length, padding length, payload, padding.</summary>
    private static List<byte[]> Payloads(byte[] wire)
    {
        var payloads = new List<byte[]>();
        var offset = 0;
        while (offset < wire.Length)
        {
            var length = (int)BinaryPrimitives.ReadUInt32BigEndian(wire.AsSpan(offset));
            var padding = wire[offset + 4];
            payloads.Add(wire.AsSpan(offset + 5, length - 1 - padding).ToArray());
            offset += 4 + length;
        }
        return payloads;
    }

    /// <summary>A socket whose peer stopped reading: the first write never completes until released.</summary>
    private sealed class StalledStream : Stream
    {
        private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task WriteStarted => _started.Task;

        public void Release() => _released.TrySetResult();

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            _started.TrySetResult();
            await _released.Task.WaitAsync(cancellationToken);
        }

        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
