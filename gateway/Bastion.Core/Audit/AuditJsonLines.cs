using System.Runtime.InteropServices;
using System.Text.Json;
using Microsoft.Win32.SafeHandles;

namespace Bastion.Core.Audit;

/// <summary>
/// Appends audit records as JSON lines, with the same fields and hashes as the database, so a shipped copy
/// can be verified independently.
/// <para>
/// The file is opened once, with O_APPEND, and kept open: a gateway at its open-file limit must still be able to write
/// its trail, so the descriptor is taken at the first write and never given back while the process runs. With O_APPEND
/// the kernel puts each write at the end of the file, so every batch goes out in one write(2) and lines from several
/// Bastion processes sharing the file (gateway, admin app, CLI) never interleave within a line; their order in the file
/// may differ from seq order. Log shippers (journald, filebeat, tail) read it as before.
/// </para>
/// <para>
/// Rotation: when the path no longer names the open file (missing, or another length — logrotate renamed it, or
/// another process wrote between the two looks, which only costs a reopen) the next batch reopens it. If that reopen
/// fails the old descriptor is kept, so nothing is lost.
/// </para>
/// </summary>
internal sealed partial class AuditJsonLines : IDisposable
{
    private readonly string _path;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private SafeFileHandle? _file;

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
            AppendAll(CurrentFile(), bytes);
        }
        finally
        {
            _gate.Release();
        }
    }

    private SafeFileHandle CurrentFile()
    {
        if (_file is { } open && !Replaced(open))
        {
            return open;
        }
        try
        {
            var reopened = Open(_path);
            _file?.Dispose();
            _file = reopened;
        }
        catch (IOException) when (_file is not null)
        {
            // Keep writing where we were; the next batch tries the path again.
        }
        return _file!;
    }

    private bool Replaced(SafeFileHandle open)
    {
        var onDisk = new FileInfo(_path);
        return !onDisk.Exists || onDisk.Length != RandomAccess.GetLength(open);
    }

    private static SafeFileHandle Open(string path)
    {
        var directory = Path.GetDirectoryName(path);
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }
        // The trail names users and addresses: readable by the service and its group (log shippers), not by all.
        var fd = open(path, OpenWriteOnly | OpenCreate | OpenAppend | OpenCloseOnExec, Mode0640);
        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new IOException($"cannot open {path} for appending: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})");
        }
        return new SafeFileHandle(fd, ownsHandle: true);
    }

    private static unsafe void AppendAll(SafeFileHandle file, byte[] bytes)
    {
        var added = false;
        try
        {
            file.DangerousAddRef(ref added);
            var fd = (int)file.DangerousGetHandle();
            fixed (byte* start = bytes)
            {
                var written = 0;
                while (written < bytes.Length)
                {
                    var n = write(fd, start + written, (nuint)(bytes.Length - written));
                    if (n < 0)
                    {
                        var errno = Marshal.GetLastPInvokeError();
                        if (errno == InterruptedErrno)
                        {
                            continue;
                        }
                        throw new IOException($"cannot append to the audit copy: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})");
                    }
                    written += (int)n;
                }
            }
        }
        finally
        {
            if (added)
            {
                file.DangerousRelease();
            }
        }
    }

    public void Dispose()
    {
        _file?.Dispose();
        _gate.Dispose();
    }

    // Linux open(2) flags (the same on x86-64 and arm64) and the file mode.
    private const int OpenWriteOnly = 0x1;
    private const int OpenCreate = 0x40;
    private const int OpenAppend = 0x400;
    private const int OpenCloseOnExec = 0x80000;
    private const int Mode0640 = 0x1A0;
    private const int InterruptedErrno = 4;

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int open(string path, int flags, int mode);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    private static unsafe partial nint write(int fd, byte* buffer, nuint count);

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
