using Bastion.Core.Audit.Export;
using Microsoft.Extensions.Logging;

namespace Bastion.Core.Tests.Audit.Export;

/// <summary>A receiver that never finishes a send until released: the first SendAsync signals it started, then hangs.</summary>
internal sealed class StuckTransport : IAuditTransport
{
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource FirstSendStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string Destination => "stuck://";

    public bool RetriesFailedMessages => true;

    public int Delivered { get; private set; }

    public async ValueTask SendAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
    {
        FirstSendStarted.TrySetResult();
        await _release.Task.WaitAsync(cancellationToken);
        Delivered++;
    }

    public void Release() => _release.TrySetResult();

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

/// <summary>Keeps every log entry (level and formatted text).</summary>
internal sealed class CollectingLogger : ILogger, ILoggerFactory, ILoggerProvider
{
    private readonly Lock _lock = new();
    private readonly List<(LogLevel Level, string Text)> _entries = [];

    public IReadOnlyList<(LogLevel Level, string Text)> Entries
    {
        get { lock (_lock) { return _entries.ToList(); } }
    }

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        lock (_lock) { _entries.Add((logLevel, formatter(state, exception))); }
    }

    public ILogger CreateLogger(string categoryName) => this;

    public void AddProvider(ILoggerProvider provider) { }

    public void Dispose() { }
}
