namespace Bastion.Gateway.Tests.Infrastructure;

/// <summary>
/// A fresh directory under /tmp, removed (recursively) at dispose.
/// Set BASTION_KEEP_TEST_DIRS=1 to keep it for post-mortem debugging.
/// </summary>
public sealed class TempDirectory : IDisposable
{
    /// <summary>Creates /tmp/{prefix}-XXXXXX with mode 0700.</summary>
    public TempDirectory(string prefix = "bastion-test")
    {
        var info = Directory.CreateTempSubdirectory(prefix + "-");
        // CreateTempSubdirectory uses TMPDIR; the brief wants /tmp, so move if TMPDIR points elsewhere.
        if (!info.FullName.StartsWith("/tmp/", StringComparison.Ordinal))
        {
            info.Delete();
            var path = System.IO.Path.Combine("/tmp", prefix + "-" + Guid.NewGuid().ToString("N")[..12]);
            info = Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        Path = info.FullName;
    }

    /// <summary>Absolute path of the directory.</summary>
    public string Path { get; }

    /// <summary>Absolute path of <paramref name="relative"/> inside this directory (not created).</summary>
    public string File(string relative) => System.IO.Path.Combine(Path, relative);

    /// <summary>Creates (if needed) and returns a subdirectory.</summary>
    public string SubDirectory(string relative) => Directory.CreateDirectory(File(relative)).FullName;

    /// <inheritdoc />
    public void Dispose()
    {
        if (Environment.GetEnvironmentVariable("BASTION_KEEP_TEST_DIRS") == "1")
        {
            return;
        }

        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A process we started may still be writing its log; the OS cleans /tmp eventually.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <inheritdoc />
    public override string ToString() => Path;
}
