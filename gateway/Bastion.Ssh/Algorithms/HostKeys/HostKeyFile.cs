namespace Bastion.Ssh.Algorithms.HostKeys;

/// <summary>
/// Loads and saves host keys as unencrypted OpenSSH private key files (what <c>ssh-keygen -N ''</c> writes),
/// with the public half beside them in <c>PATH.pub</c>. Like sshd, a private key file that its group or
/// others can read is refused.
/// </summary>
public static class HostKeyFile
{
    private const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode OwnerOnlyDirectory = OwnerOnlyFile | UnixFileMode.UserExecute;
    private const UnixFileMode PublicFile = OwnerOnlyFile | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
    private const UnixFileMode GroupOrOther =
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute |
        UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    /// <summary>
    /// Loads the key at <paramref name="path"/>, or, if no file exists there, generates an Ed25519 key and
    /// saves it (creating the directory, mode 0700, if needed) together with <c>PATH.pub</c>.
    /// </summary>
    public static HostKey LoadOrCreate(string path)
    {
        if (File.Exists(path))
        {
            return Load(path);
        }
        var key = Ed25519HostKey.Generate();
        try
        {
            Save(key, path, DefaultComment());
            return key;
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    /// <summary>Loads an unencrypted OpenSSH-format Ed25519 or RSA private key file.</summary>
    /// <exception cref="HostKeyFileException">The file is missing, too widely readable, encrypted, unsupported or corrupt.</exception>
    public static HostKey Load(string path)
    {
        string text;
        try
        {
            EnsureOwnerOnly(path);
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new HostKeyFileException($"cannot read host key '{path}': {ex.Message}", ex);
        }
        try
        {
            return OpenSshPrivateKeyFormat.Decode(text);
        }
        catch (InvalidDataException ex)
        {
            throw new HostKeyFileException($"host key '{path}': {ex.Message.Replace("<file>", path, StringComparison.Ordinal)}", ex);
        }
    }

    /// <summary>Parses the text of an OpenSSH private key file.</summary>
    /// <exception cref="HostKeyFileException">The key is encrypted, unsupported or corrupt.</exception>
    public static HostKey Parse(string privateKeyText)
    {
        try
        {
            return OpenSshPrivateKeyFormat.Decode(privateKeyText);
        }
        catch (InvalidDataException ex)
        {
            throw new HostKeyFileException(ex.Message, ex);
        }
    }

    /// <summary>The key as OpenSSH private key file text (unencrypted).</summary>
    public static string Format(HostKey key, string comment = "") => OpenSshPrivateKeyFormat.Encode(key, comment);

    /// <summary>"type base64-blob comment", the format of <c>.pub</c> files and authorized_keys lines.</summary>
    public static string FormatPublicKeyLine(HostKey key, string comment = "")
    {
        var line = key.KeyType + " " + Convert.ToBase64String(key.PublicKeyBlob);
        return comment.Length == 0 ? line : line + " " + comment;
    }

    /// <summary>
    /// Writes the private key to <paramref name="path"/> with mode 0600 (replacing any existing file
    /// atomically) and the public key line to <c>PATH.pub</c>.
    /// </summary>
    public static void Save(HostKey key, string path, string comment = "")
    {
        var fullPath = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(fullPath)!;
        if (!Directory.Exists(directory))
        {
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(directory);
            }
            else
            {
                Directory.CreateDirectory(directory, OwnerOnlyDirectory);
            }
        }
        // Written under a temporary name created with the final mode, so the secret is never readable by
        // others, and a crash leaves either the old file or the new one, never half of one.
        var temporary = fullPath + ".tmp-" + Guid.NewGuid().ToString("N");
        try
        {
            WriteNew(temporary, Format(key, comment), OwnerOnlyFile);
            File.Move(temporary, fullPath, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
        var publicPath = fullPath + ".pub";
        File.Delete(publicPath);
        WriteNew(publicPath, FormatPublicKeyLine(key, comment) + "\n", PublicFile);
    }

    private static void WriteNew(string path, string contents, UnixFileMode mode)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = mode;
        }
        using var writer = new StreamWriter(path, new System.Text.UTF8Encoding(false), options);
        writer.Write(contents);
    }

    private static void EnsureOwnerOnly(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }
        var mode = File.GetUnixFileMode(path);
        if ((mode & GroupOrOther) != 0)
        {
            var octal = Convert.ToString((int)mode & 0x1FF, 8).PadLeft(4, '0');
            throw new HostKeyFileException(
                $"permissions {octal} for host key '{path}' are too open: it must not be accessible by group or others. " +
                $"Fix it with: chmod 600 {path}");
        }
    }

    private static string DefaultComment() => "bastion-host-key@" + Environment.MachineName;
}
