using System.Globalization;
using Bastion.Ssh.Messages;

namespace Bastion.Ssh.Connection;

/// <summary>
/// Ends an authenticated connection that neither side will end: a client that stopped answering (laptop asleep,
/// Wi-Fi gone; TCP alone would keep the session "live" for hours), no channel data for the idle timeout, or the
/// maximum connection time reached. Watches byte counters only, so the packet path pays nothing for it.
/// </summary>
internal sealed class ConnectionLiveness
{
    /// <summary>OpenSSH's name; its clients answer it with REQUEST_FAILURE, which is all we need.</summary>
    internal const string KeepaliveRequest = "keepalive@openssh.com";

    private static readonly TimeSpan MinimumTick = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MaximumTick = TimeSpan.FromSeconds(5);

    private readonly SshServerOptions _options;
    private readonly Func<long> _bytesReceived;
    private readonly Func<long> _channelDataBytes;
    private readonly Func<ISshMessage, bool> _trySend;

    /// <param name="options">The limits: ClientAliveInterval/CountMax, IdleTimeout, MaxConnectionTime (zero turns one off).</param>
    /// <param name="bytesReceived">Every byte the client sent so far (any packet proves it is alive).</param>
    /// <param name="channelDataBytes">Channel payload in both directions so far; unchanged means idle.</param>
    /// <param name="trySend">Queues a packet without waiting; false when the queue is full (the client is not reading).</param>
    public ConnectionLiveness(SshServerOptions options, Func<long> bytesReceived, Func<long> channelDataBytes, Func<ISshMessage, bool> trySend)
    {
        _options = options;
        _bytesReceived = bytesReceived;
        _channelDataBytes = channelDataBytes;
        _trySend = trySend;
    }

    /// <summary>Nothing to watch: no timer is started.</summary>
    public bool IsOff =>
        _options.ClientAliveInterval <= TimeSpan.Zero && _options.IdleTimeout <= TimeSpan.Zero && _options.MaxConnectionTime <= TimeSpan.Zero;

    /// <summary>Runs until the connection closes (null) or one of the limits is reached (the reason, for the client and the audit).</summary>
    public async Task<string?> WatchAsync(CancellationToken connectionClosing)
    {
        if (IsOff)
        {
            return null;
        }
        var time = _options.TimeProvider;
        var started = time.GetTimestamp();
        var lastReceived = _bytesReceived();
        var heardAt = started;
        var lastData = _channelDataBytes();
        var dataAt = started;
        var unanswered = 0;
        var lastProbeAt = started;
        var tick = Tick();
        try
        {
            while (true)
            {
                await Task.Delay(tick, time, connectionClosing).ConfigureAwait(false);
                var now = time.GetTimestamp();

                if (_options.MaxConnectionTime > TimeSpan.Zero && time.GetElapsedTime(started, now) >= _options.MaxConnectionTime)
                {
                    return $"connection reached its maximum time of {Seconds(_options.MaxConnectionTime)} s; reconnect to go on";
                }

                var data = _channelDataBytes();
                if (data != lastData)
                {
                    lastData = data;
                    dataAt = now;
                }
                else if (_options.IdleTimeout > TimeSpan.Zero && time.GetElapsedTime(dataAt, now) >= _options.IdleTimeout)
                {
                    return $"idle for {Seconds(_options.IdleTimeout)} s with no data on any channel; reconnect to go on";
                }

                var received = _bytesReceived();
                if (received != lastReceived)
                {
                    lastReceived = received;
                    heardAt = now;
                    unanswered = 0;
                    continue;
                }
                var interval = _options.ClientAliveInterval;
                if (interval <= TimeSpan.Zero || time.GetElapsedTime(heardAt, now) < interval || time.GetElapsedTime(lastProbeAt, now) < interval)
                {
                    continue;
                }
                // Like OpenSSH's ClientAliveCountMax: this many probes may go unanswered; the next silent interval ends it.
                // Zero, as in OpenSSH, probes (keeping NAT state alive) without ever giving up.
                if (_options.ClientAliveCountMax > 0 && unanswered >= _options.ClientAliveCountMax)
                {
                    return $"client did not answer for {Seconds(time.GetElapsedTime(heardAt, now))} s ({unanswered} keepalives at {Seconds(interval)} s intervals); the client or the network path to it is gone";
                }
                lastProbeAt = now;
                // A full send queue means the client is not even reading; the silence counts all the same.
                _trySend(new GlobalRequestMessage(KeepaliveRequest, WantReply: true, []));
                unanswered++;
            }
        }
        catch (OperationCanceledException) when (connectionClosing.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>A quarter of the shortest limit, so each is noticed within 25 % of its length.</summary>
    private TimeSpan Tick()
    {
        var shortest = new[] { _options.ClientAliveInterval, _options.IdleTimeout, _options.MaxConnectionTime }
            .Where(t => t > TimeSpan.Zero)
            .Min();
        var tick = shortest / 4;
        return tick < MinimumTick ? MinimumTick : tick > MaximumTick ? MaximumTick : tick;
    }

    private static string Seconds(TimeSpan span) => Math.Round(span.TotalSeconds).ToString(CultureInfo.InvariantCulture);
}
