using System.Security.Cryptography;
using System.Text;

namespace Bastion.Core.Secrets;

/// <summary>
/// Loads or creates the 32-byte master key file (base64 text, one line). It lives outside the database so
/// that a copied database or backup does not carry the means to decrypt the TOTP seeds in it. The file must be
/// private to the service account: one that group or others can read is refused.
/// </summary>
internal static class KeyFile
{
    public const int KeySize = 32;

    private const UnixFileMode PrivateFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode GroupOrOther =
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute |
        UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    public static async Task<byte[]> LoadOrCreateAsync(string path, CancellationToken ct)
    {
        var fullPath = Path.GetFullPath(path);
        if (!File.Exists(fullPath))
        {
            await TryCreateAsync(fullPath, ct).ConfigureAwait(false);
        }
        EnsurePrivate(fullPath);
        var text = await File.ReadAllTextAsync(fullPath, Encoding.ASCII, ct).ConfigureAwait(false);
        var key = new byte[KeySize];
        if (!Convert.TryFromBase64String(text.Trim(), key, out var written) || written != KeySize)
        {
            throw new SecretProtectionException(
                $"key file {fullPath} does not hold a base64-encoded {KeySize}-byte key; restore it from backup (a new key cannot decrypt existing TOTP secrets)");
        }
        return key;
    }

    /// <summary>
    /// Writes a fresh key to a private temporary file and moves it into place without overwriting, so two
    /// processes starting at once agree on one key (the loser discards its own and reads the winner's).
    /// </summary>
    private static async Task TryCreateAsync(string path, CancellationToken ct)
    {
        var directory = Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(directory);
        var temporary = Path.Combine(directory, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        var key = RandomNumberGenerator.GetBytes(KeySize);
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = PrivateFile;
            }
            await using (var stream = new FileStream(temporary, options))
            {
                await stream.WriteAsync(Encoding.ASCII.GetBytes(Convert.ToBase64String(key) + "\n"), ct).ConfigureAwait(false);
                await stream.FlushAsync(ct).ConfigureAwait(false);
            }
            try
            {
                File.Move(temporary, path, overwrite: false);
            }
            catch (IOException) when (File.Exists(path))
            {
                // Another process created the key first; use theirs.
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
            File.Delete(temporary);
        }
    }

    private static void EnsurePrivate(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }
        var mode = File.GetUnixFileMode(path);
        if ((mode & GroupOrOther) != 0)
        {
            throw new SecretProtectionException(
                $"key file {path} is accessible by group or others (mode {ToOctal(mode)}); run: chmod 600 {path}");
        }
    }

    private static string ToOctal(UnixFileMode mode) => Convert.ToString((int)mode & 0x1FF, 8).PadLeft(4, '0');
}
