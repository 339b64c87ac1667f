using Microsoft.Extensions.Logging;

namespace Bastion.Core.Tests.Support;

/// <summary>Keeps every log line (level and formatted message, plus the exception) so tests can assert on them.</summary>
public sealed class CapturingLogger<T> : ILogger<T>
{
    private readonly List<(LogLevel Level, string Message)> _lines = [];

    public IReadOnlyList<(LogLevel Level, string Message)> Lines
    {
        get
        {
            lock (_lines)
            {
                return _lines.ToList();
            }
        }
    }

    public string Text => string.Join("\n", Lines.Select(l => $"{l.Level}: {l.Message}"));

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        var message = formatter(state, exception) + (exception is null ? "" : $" [{exception.GetType().Name}: {exception.Message}]");
        lock (_lines)
        {
            _lines.Add((logLevel, message));
        }
    }
}
