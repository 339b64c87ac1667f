using System.Buffers;
using System.Security.Cryptography;
using Bastion.Core.Store;

namespace Bastion.Core.Recordings;

/// <summary>
/// Records one terminal session into the store as an asciicast v2 document. Events are encoded into a pending buffer
/// that is written as the next chunk when it reaches <see cref="SessionRecorderSettings.ChunkBytes"/> or at each flush
/// interval; a writer waits for the store when a chunk is due, so a slow store slows the session instead of growing
/// memory. The SHA-256 is computed over exactly the chunks the store accepted and sealed at the end.
/// </summary>
public sealed class SessionRecorder : IAsyncDisposable
{
    private readonly IRecordingStore _store;
    private readonly TimeProvider _time;
    private readonly SessionRecorderSettings _settings;
    private readonly long _startTimestamp;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly ArrayBufferWriter<byte> _pending = new(64 * 1024);
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly AsciicastEncoder _encoder = new();
    private readonly TaskCompletionSource<Exception> _failed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _sealedSignal = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stopFlushing = new();
    private Task _flushLoop = Task.CompletedTask;
    private int _sequence;
    private long _bytes;
    private bool _sealed;

    private SessionRecorder(IRecordingStore store, RecordingInfo info, SessionRecorderSettings settings, TimeProvider time)
    {
        _store = store;
        Info = info;
        _settings = settings;
        _time = time;
        _startTimestamp = time.GetTimestamp();
    }

    public RecordingInfo Info { get; }

    /// <summary>Completes with the first store failure; in fail-closed mode the session must end when it does.</summary>
    public Task<Exception> Failed => _failed.Task;

    public bool HasFailed => _failed.Task.IsCompleted;

    /// <summary>Completes when the recorder is sealed or disposed, whichever comes first.</summary>
    public Task Sealed => _sealedSignal.Task;

    public bool FailClosed => _settings.FailClosed;

    /// <summary>Creates the recording in the store and writes the header. Throws if the store refuses (the caller applies the failure mode).</summary>
    public static async Task<SessionRecorder> StartAsync(IRecordingStore store, RecordingInfo info, string? term, SessionRecorderSettings settings, TimeProvider time, CancellationToken ct)
    {
        var recorder = new SessionRecorder(store, info with { Status = RecordingStatus.Recording, Bytes = 0, Sha256 = null, EndedAt = null }, settings, time);
        await store.CreateRecordingAsync(recorder.Info, ct).ConfigureAwait(false);
        var title = info.Command is null ? $"{info.UserName} on {info.TargetName}" : $"{info.UserName} on {info.TargetName}: {info.Command}";
        AsciicastEncoder.WriteHeader(recorder._pending, info.Columns, info.Rows, info.StartedAt, term, title);
        recorder._flushLoop = recorder.FlushPeriodicallyAsync();
        return recorder;
    }

    /// <summary>Bytes the target sent to the user's terminal.</summary>
    public ValueTask OutputAsync(ReadOnlyMemory<byte> data, CancellationToken ct) => WriteDataAsync(AsciicastStream.Output, data, ct);

    /// <summary>Bytes the user typed; recorded only if the settings say so.</summary>
    public ValueTask InputAsync(ReadOnlyMemory<byte> data, CancellationToken ct) =>
        _settings.RecordInput ? WriteDataAsync(AsciicastStream.Input, data, ct) : ValueTask.CompletedTask;

    public async ValueTask ResizeAsync(int columns, int rows, CancellationToken ct)
    {
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (!HasFailed && !_sealed)
            {
                AsciicastEncoder.WriteResize(_pending, Elapsed, columns, rows);
                await FlushIfFullAsync(ct).ConfigureAwait(false);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private async ValueTask WriteDataAsync(AsciicastStream stream, ReadOnlyMemory<byte> data, CancellationToken ct)
    {
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (!HasFailed && !_sealed)
            {
                _encoder.WriteData(_pending, Elapsed, stream, data.Span);
                await FlushIfFullAsync(ct).ConfigureAwait(false);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Writes what is pending and seals the recording: complete, or truncated if a write failed. Throws if the store
    /// cannot seal it (the recording stays unsealed and is marked lost when this node restarts).
    /// </summary>
    public async Task<RecordingSeal> SealAsync(CancellationToken ct = default)
    {
        await StopFlushLoopAsync().ConfigureAwait(false);
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (_sealed)
            {
                throw new InvalidOperationException($"recording {Info.Id} is sealed already");
            }
            if (!HasFailed)
            {
                // A character cut off by the end of the session is written as U+FFFD rather than dropped.
                _encoder.WriteData(_pending, Elapsed, AsciicastStream.Output, [], flush: true);
                await FlushAsync(ct).ConfigureAwait(false);
            }
            var status = HasFailed ? RecordingStatus.Truncated : RecordingStatus.Complete;
            var sha256 = Convert.ToHexStringLower(_hash.GetCurrentHash());
            var endedAt = _time.GetUtcNow();
            await _store.SealRecordingAsync(Info.Id, endedAt, _bytes, sha256, status, ct).ConfigureAwait(false);
            _sealed = true;
            _sealedSignal.TrySetResult();
            return new RecordingSeal(Info.Id, sha256, _bytes, status, endedAt);
        }
        finally
        {
            _gate.Release();
        }
    }

    private TimeSpan Elapsed => _time.GetElapsedTime(_startTimestamp);

    private ValueTask FlushIfFullAsync(CancellationToken ct) =>
        _pending.WrittenCount >= _settings.ChunkBytes ? FlushAsync(ct) : ValueTask.CompletedTask;

    /// <summary>Called under the gate. A failure is remembered, not thrown: the failure mode decides what the session does.</summary>
    private async ValueTask FlushAsync(CancellationToken ct)
    {
        if (_pending.WrittenCount == 0 || HasFailed)
        {
            return;
        }
        var chunk = _pending.WrittenMemory;
        try
        {
            await _store.AppendRecordingChunkAsync(Info.Id, _sequence, chunk, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            _failed.TrySetResult(ex);
            _pending.Clear();
            return;
        }
        _hash.AppendData(chunk.Span);
        _bytes += chunk.Length;
        _sequence++;
        _pending.Clear();
    }

    private async Task FlushPeriodicallyAsync()
    {
        using var timer = new PeriodicTimer(_settings.FlushInterval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(_stopFlushing.Token).ConfigureAwait(false))
            {
                await _gate.WaitAsync(_stopFlushing.Token).ConfigureAwait(false);
                try
                {
                    if (!_sealed)
                    {
                        // Not cancellable once started: a write the store committed must not be retried under the same number.
                        await FlushAsync(CancellationToken.None).ConfigureAwait(false);
                    }
                }
                finally
                {
                    _gate.Release();
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Sealed or disposed.
        }
    }

    private async Task StopFlushLoopAsync()
    {
        await _stopFlushing.CancelAsync().ConfigureAwait(false);
        await _flushLoop.ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await StopFlushLoopAsync().ConfigureAwait(false);
        _sealedSignal.TrySetResult();
        _stopFlushing.Dispose();
        _hash.Dispose();
        _gate.Dispose();
    }
}
