using System.Threading.Channels;

namespace Bastion.Core.Alerts;

/// <summary>
/// A bounded queue with one background consumer, for audit observers that must never make the trail wait:
/// <see cref="TryEnqueue"/> refuses instead of waiting when full; <see cref="FlushAsync"/> waits for what was queued
/// before it; <see cref="StopAsync"/> drains, or abandons the rest when its token fires first.
/// </summary>
internal sealed class BackgroundQueue<T> : IDisposable
    where T : class
{
    private readonly Channel<Item> _channel;
    private readonly Func<T, CancellationToken, Task> _handle;
    private readonly string _name;
    private readonly CancellationTokenSource _abort = new();
    private readonly Lock _startLock = new();
    private Task? _loop;
    private volatile bool _stopping;

    /// <param name="name">What runs the loop, for errors ("the anomaly detector").</param>
    /// <param name="handle">Called once per item, in order; it gets a token that fires when the queue is abandoned.</param>
    public BackgroundQueue(int capacity, string name, Func<T, CancellationToken, Task> handle)
    {
        _name = name;
        _handle = handle;
        _channel = Channel.CreateBounded<Item>(new BoundedChannelOptions(Math.Max(1, capacity))
        {
            FullMode = BoundedChannelFullMode.Wait, // with TryWrite: refuse instead of waiting
            SingleReader = true,
        });
    }

    /// <summary>True once <see cref="StopAsync"/> began: refused items are then expected, not "dropped".</summary>
    public bool Stopping => _stopping;

    /// <summary>Items waiting.</summary>
    public int Count => _channel.Reader.Count;

    /// <summary>Starts the consumer; further calls do nothing.</summary>
    public void Start()
    {
        lock (_startLock)
        {
            _loop ??= Task.Run(() => ConsumeAsync(_abort.Token));
        }
    }

    /// <summary>Queues <paramref name="item"/> without waiting; false if the queue is full or stopped.</summary>
    public bool TryEnqueue(T item) => _channel.Writer.TryWrite(new Item(item, null));

    /// <summary>Waits until every item queued before this call is handled. Requires <see cref="Start"/>.</summary>
    public async Task FlushAsync(CancellationToken ct)
    {
        if (_loop is null)
        {
            throw new InvalidOperationException($"the {_name} is not running; call Start() before FlushAsync()");
        }
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await _channel.Writer.WriteAsync(new Item(null, done), ct).ConfigureAwait(false);
        await done.Task.WaitAsync(ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Stops taking items and handles what is queued. Returns null when drained, or the number of items left
    /// unhandled when <paramref name="ct"/> fired first.
    /// </summary>
    public async Task<int?> StopAsync(CancellationToken ct)
    {
        _stopping = true;
        _channel.Writer.TryComplete();
        Task? loop;
        lock (_startLock)
        {
            loop = _loop;
        }
        if (loop is null)
        {
            return null;
        }
        try
        {
            await loop.WaitAsync(ct).ConfigureAwait(false);
            return null;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            await _abort.CancelAsync().ConfigureAwait(false);
            return _channel.Reader.Count;
        }
    }

    public void Dispose() => _abort.Dispose();

    private async Task ConsumeAsync(CancellationToken abort)
    {
        try
        {
            await foreach (var item in _channel.Reader.ReadAllAsync(abort).ConfigureAwait(false))
            {
                if (item.Flush is { } flush)
                {
                    flush.TrySetResult();
                    continue;
                }
                await _handle(item.Value!, abort).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (abort.IsCancellationRequested)
        {
            // Abandoned by StopAsync, which reports what was left.
        }
    }

    private readonly record struct Item(T? Value, TaskCompletionSource? Flush);
}
