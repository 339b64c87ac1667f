using System.Text.Json;

namespace Bastion.Core.Audit;

/// <summary>
/// Appends audit records as JSON lines, with the same fields and hashes as the database, so a shipped copy
/// can be verified independently. Each batch is written with one append, so lines from two processes sharing
/// the file do not interleave within a line (their order in the file may differ from seq order).
/// </summary>
internal sealed class AuditJsonLines
{
    private readonly string _path;
    private readonly SemaphoreSlim _gate = new(1, 1);

    public AuditJsonLines(string path) => _path = Path.GetFullPath(path);

    public async Task AppendAsync(IReadOnlyList<AuditRecord> records, CancellationToken ct)
    {
        if (records.Count == 0)
        {
            return;
        }
        var bytes = Serialize(records);
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var directory = Path.GetDirectoryName(_path);
            if (!string.IsNullOrEmpty(directory))
            {
                Directory.CreateDirectory(directory);
            }
            await using var stream = await OpenLockedAsync(ct).ConfigureAwait(false);
            await stream.WriteAsync(bytes, ct).ConfigureAwait(false);
            await stream.FlushAsync(ct).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// .NET writes at its own cached offset rather than with O_APPEND, so two processes appending at once would
    /// overwrite each other's lines. On Unix, FileShare.None takes an exclusive advisory lock (flock) that other
    /// Bastion processes respect (FileShare.Read would take only a shared one), and the append position is read
    /// after the lock is held. Log shippers (journald, filebeat, tail) do not flock and are unaffected. Waiting
    /// uses real time: this is about another process, not about the domain clock.
    /// </summary>
    private async Task<FileStream> OpenLockedAsync(CancellationToken ct)
    {
        var options = new FileStreamOptions
        {
            Mode = FileMode.Append,
            Access = FileAccess.Write,
            Share = FileShare.None,
            Options = FileOptions.Asynchronous,
        };
        if (!OperatingSystem.IsWindows())
        {
            // The trail names users and addresses: readable by the service and its group (log shippers), not by all.
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead;
        }
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return new FileStream(_path, options);
            }
            catch (IOException) when (attempt < LockAttempts && File.Exists(_path))
            {
                await Task.Delay(LockRetryDelay, ct).ConfigureAwait(false);
            }
        }
    }

    private const int LockAttempts = 500;
    private static readonly TimeSpan LockRetryDelay = TimeSpan.FromMilliseconds(10);

    internal static byte[] Serialize(IReadOnlyList<AuditRecord> records)
    {
        using var buffer = new MemoryStream();
        foreach (var record in records)
        {
            using (var json = new Utf8JsonWriter(buffer))
            {
                Write(json, record);
            }
            buffer.WriteByte((byte)'\n');
        }
        return buffer.ToArray();
    }

    /// <summary>One record as its JSON line without the newline (for exporters).</summary>
    internal static byte[] SerializeOne(AuditRecord record)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(512);
        using (var json = new Utf8JsonWriter(buffer))
        {
            Write(json, record);
        }
        return buffer.WrittenSpan.ToArray();
    }

    private static void Write(Utf8JsonWriter json, AuditRecord r)
    {
        json.WriteStartObject();
        json.WriteNumber("seq", r.Seq);
        json.WriteString("ts", AuditTimestamp.ToText(r.Timestamp));
        json.WriteString("type", r.Type);
        json.WriteString("severity", r.Severity.ToText());
        json.WriteString("session", r.SessionId);
        json.WriteString("user", r.User);
        json.WriteString("src", r.SourceAddress);
        json.WriteStartObject("data");
        foreach (var (key, value) in r.Data.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            json.WriteString(key, value);
        }
        json.WriteEndObject();
        json.WriteString("prev_hash", Convert.ToHexStringLower(r.PrevHash));
        json.WriteString("hash", Convert.ToHexStringLower(r.Hash));
        json.WriteEndObject();
    }
}
