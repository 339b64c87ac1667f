using Bastion.Ssh.Algorithms.PublicKeys;

namespace Bastion.Core.Keys;

/// <summary>
/// One validated line of an authorized_keys file: <c>[options] keytype base64 [comment]</c>. Parsing checks
/// that the type is one we accept (<see cref="SupportedKeyTypes"/>), that the base64 decodes to a well-formed
/// key blob of that same type, and that the options are known; <see cref="ToString"/> formats the line back
/// (parse → format → parse gives the same line).
/// </summary>
public sealed class AuthorizedKeyLine
{
    /// <summary>Longest key blob accepted (a 16384-bit RSA key is about 2 KB).</summary>
    private const int MaxBlobBytes = 8192;

    private AuthorizedKeyLine(IReadOnlyList<AuthorizedKeyOption> options, SshPublicKey key, string comment)
    {
        Options = options;
        Key = key;
        Comment = comment;
    }

    public IReadOnlyList<AuthorizedKeyOption> Options { get; }

    /// <summary>The public key (blob, type, fingerprint).</summary>
    public SshPublicKey Key { get; }

    public string KeyType => Key.KeyType;

    /// <summary>"SHA256:…", as <c>ssh-keygen -l -E sha256</c> prints it.</summary>
    public string Fingerprint => Key.Fingerprint;

    /// <summary>Free text after the key, usually "user@host"; "" when absent.</summary>
    public string Comment { get; }

    /// <summary>The options in canonical form ("" when none), as stored in <see cref="Store.SshKey.Options"/>.</summary>
    public string OptionsText => AuthorizedKeyOptionsParser.Format(Options);

    /// <summary>
    /// Parses one line. Throws <see cref="AuthorizedKeyFormatException"/> naming the problem (prefixed with
    /// "line N: " when <paramref name="lineNumber"/> is given).
    /// </summary>
    public static AuthorizedKeyLine Parse(string line, int? lineNumber = null)
    {
        ArgumentNullException.ThrowIfNull(line);
        try
        {
            return ParseCore(line.Trim());
        }
        catch (FormatException ex) when (ex is not AuthorizedKeyFormatException)
        {
            throw new AuthorizedKeyFormatException(ex.Message, lineNumber);
        }
    }

    /// <summary>Like <see cref="Parse"/> but returns the problem instead of throwing.</summary>
    public static bool TryParse(string line, out AuthorizedKeyLine? result, out string? problem)
    {
        try
        {
            result = Parse(line);
            problem = null;
            return true;
        }
        catch (AuthorizedKeyFormatException ex)
        {
            result = null;
            problem = ex.Message;
            return false;
        }
    }

    /// <summary>Rebuilds a line from stored parts, validating them as <see cref="Parse"/> would.</summary>
    public static AuthorizedKeyLine FromParts(string optionsText, byte[] blob, string comment)
    {
        ArgumentNullException.ThrowIfNull(optionsText);
        ArgumentNullException.ThrowIfNull(blob);
        try
        {
            var options = AuthorizedKeyOptionsParser.ParseAll(optionsText);
            return new AuthorizedKeyLine(options, ValidatedKey(null, blob), CleanComment(comment ?? ""));
        }
        catch (FormatException ex) when (ex is not AuthorizedKeyFormatException)
        {
            throw new AuthorizedKeyFormatException(ex.Message, null);
        }
    }

    /// <summary>The line in authorized_keys form: options (if any), type, base64 blob, comment (if any).</summary>
    public override string ToString()
    {
        var parts = new List<string>(4);
        if (Options.Count > 0)
        {
            parts.Add(OptionsText);
        }
        parts.Add(KeyType);
        parts.Add(Convert.ToBase64String(Key.Blob));
        if (Comment.Length > 0)
        {
            parts.Add(Comment);
        }
        return string.Join(' ', parts);
    }

    private static AuthorizedKeyLine ParseCore(string line)
    {
        if (line.Length == 0 || line.StartsWith('#'))
        {
            throw new FormatException("the line is empty or a comment; paste the contents of your .pub file");
        }
        var position = 0;
        List<AuthorizedKeyOption> options = [];
        if (!LooksLikeKeyType(FirstToken(line)))
        {
            options = AuthorizedKeyOptionsParser.Parse(line, ref position);
            SkipSpaces(line, ref position);
        }
        var keyType = NextToken(line, ref position);
        if (keyType.Length == 0)
        {
            throw new FormatException("the key type and key data are missing after the options");
        }
        if (!SupportedKeyTypes.IsSupported(keyType))
        {
            throw new FormatException(UnsupportedType(keyType));
        }
        var base64 = NextToken(line, ref position);
        if (base64.Length == 0)
        {
            throw new FormatException($"the key data is missing after \"{keyType}\"; paste the whole line from the .pub file");
        }
        var blob = DecodeBase64(base64);
        var comment = CleanComment(line[position..]);
        return new AuthorizedKeyLine(options, ValidatedKey(keyType, blob), comment);
    }

    private static SshPublicKey ValidatedKey(string? declaredType, byte[] blob)
    {
        SshPublicKey key;
        try
        {
            key = new SshPublicKey(blob);
        }
        catch (Bastion.Ssh.Wire.SshProtocolException ex)
        {
            throw new FormatException($"the key data is damaged ({ex.Message}); copy the line again from the .pub file");
        }
        var type = declaredType ?? key.KeyType;
        if (!SupportedKeyTypes.IsSupported(type))
        {
            throw new FormatException(UnsupportedType(type));
        }
        var problem = KeyBlobValidator.Problem(type, blob);
        return problem is null ? key : throw new FormatException(problem);
    }

    private static string UnsupportedType(string keyType) =>
        $"key type \"{keyType}\" is not accepted; use ed25519 or ecdsa (also accepted: rsa of 2048+ bits, sk-ed25519, sk-ecdsa)";

    private static byte[] DecodeBase64(string base64)
    {
        if (base64.Length > MaxBlobBytes * 4 / 3 + 4)
        {
            throw new FormatException($"the key data is longer than {MaxBlobBytes} bytes; this is not an SSH public key");
        }
        var buffer = new byte[base64.Length * 3 / 4 + 3];
        return Convert.TryFromBase64String(base64, buffer, out var written)
            ? buffer[..written]
            : throw new FormatException("the key data is not valid base64; copy the line again from the .pub file");
    }

    /// <summary>
    /// Options precede the key type; the key type is recognizable by its prefix. (OpenSSH instead tries to
    /// parse a key first, but naming the type lets us say "ssh-dss is not accepted" rather than "bad option".)
    /// </summary>
    private static bool LooksLikeKeyType(string token) =>
        (token.StartsWith("ssh-", StringComparison.Ordinal) || token.StartsWith("ecdsa-", StringComparison.Ordinal)
         || token.StartsWith("sk-", StringComparison.Ordinal) || token.StartsWith("rsa-", StringComparison.Ordinal))
        && token.IndexOfAny(['=', ',', '"']) < 0;

    private static string FirstToken(string line)
    {
        var end = line.IndexOfAny([' ', '\t']);
        return end < 0 ? line : line[..end];
    }

    private static string NextToken(string line, ref int position)
    {
        SkipSpaces(line, ref position);
        var start = position;
        while (position < line.Length && line[position] is not (' ' or '\t'))
        {
            position++;
        }
        return line[start..position];
    }

    private static void SkipSpaces(string line, ref int position)
    {
        while (position < line.Length && line[position] is ' ' or '\t')
        {
            position++;
        }
    }

    /// <summary>Comments are free text, but control characters (and newlines) would break the file and logs.</summary>
    private static string CleanComment(string comment)
    {
        var trimmed = comment.Trim();
        return trimmed.Any(char.IsControl)
            ? throw new FormatException("the comment contains control characters; keep it to plain text such as alice@laptop")
            : trimmed;
    }
}
