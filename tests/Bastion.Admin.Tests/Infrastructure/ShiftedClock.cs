namespace Bastion.Admin.Tests.Infrastructure;

/// <summary>
/// The system clock moved forward by what the test says, for the app under test: "six minutes later" without waiting,
/// while timers, the browser and the authenticator keep real time.
/// </summary>
public sealed class ShiftedClock : TimeProvider
{
    private long _offsetTicks;

    public TimeSpan Offset => TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));

    public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + Offset;

    public void Advance(TimeSpan by) => Interlocked.Add(ref _offsetTicks, by.Ticks);
}
