using Microsoft.Extensions.Logging;

namespace Bastion.Fuzz.Support;

/// <summary>
/// Keeps the first error the library logs. The server contains unexpected exceptions (it logs them at Error and tells the
/// client it failed), so a contained IndexOutOfRangeException is still a finding: the session targets rethrow it.
/// </summary>
internal sealed class FailureCollectingLogger : ILogger
{
    private string? _first;

    public string? FirstError => Volatile.Read(ref _first);

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (logLevel >= LogLevel.Error)
        {
            Interlocked.CompareExchange(ref _first, $"{formatter(state, exception)}: {exception}", null);
        }
    }
}
