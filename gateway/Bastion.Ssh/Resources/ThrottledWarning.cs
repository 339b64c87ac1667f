namespace Bastion.Ssh.Resources;

/// <summary>
/// A warning that repeats for as long as a condition lasts (the open-file limit, say) is written at most once per
/// interval, with how many times it happened since the last line: a log that names the limit without burying
/// everything else under a line per refused connection.
/// </summary>
public sealed class ThrottledWarning
{
    private readonly TimeProvider _time;
    private readonly TimeSpan _interval;
    private readonly Lock _gate = new();
    private long _lastWritten = long.MinValue;
    private int _suppressed;

    public ThrottledWarning(TimeProvider time, TimeSpan interval)
    {
        _time = time;
        _interval = interval;
    }

    /// <summary>Counts one occurrence; returns true with the occurrences since the last line when one should be written now.</summary>
    public bool ShouldWrite(out int occurrences)
    {
        lock (_gate)
        {
            _suppressed++;
            var now = _time.GetTimestamp();
            if (_lastWritten != long.MinValue && _time.GetElapsedTime(_lastWritten, now) < _interval)
            {
                occurrences = 0;
                return false;
            }
            _lastWritten = now;
            occurrences = _suppressed;
            _suppressed = 0;
            return true;
        }
    }
}
