namespace Bastion.Ssh.Tests.Session;

/// <summary>A monotonic clock (timestamps and wall time) that moves only when the test says so.</summary>
internal sealed class SteppedClock : TimeProvider
{
    private readonly Lock _gate = new();
    private long _ticks;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp()
    {
        lock (_gate)
        {
            return _ticks;
        }
    }

    public override DateTimeOffset GetUtcNow() => new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero).AddTicks(GetTimestamp());

    public void Advance(TimeSpan by)
    {
        lock (_gate)
        {
            _ticks += by.Ticks;
        }
    }
}
