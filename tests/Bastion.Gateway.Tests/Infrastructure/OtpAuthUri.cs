using System.Globalization;

namespace Bastion.Gateway.Tests.Infrastructure;

/// <summary>An <c>otpauth://totp/LABEL?secret=…&amp;issuer=…</c> URI as printed by <c>bastion totp enroll</c>.</summary>
public sealed record OtpAuthUri(string Uri, string Label, string Secret, string? Issuer, int Digits, int Period, string Algorithm)
{
    /// <summary>Finds the first otpauth://totp/ URI in <paramref name="output"/> (e.g. the CLI's stdout) and parses it.</summary>
    public static OtpAuthUri FindIn(string output)
    {
        var start = output.IndexOf("otpauth://", StringComparison.Ordinal);
        if (start < 0)
        {
            throw new FormatException("no otpauth:// URI in output:\n" + output);
        }

        var end = start;
        while (end < output.Length && !char.IsWhiteSpace(output[end]) && output[end] is not '"' and not '\'' and not '<' and not '>')
        {
            end++;
        }

        return Parse(output[start..end]);
    }

    /// <summary>Parses one otpauth URI; requires type totp and a secret parameter.</summary>
    public static OtpAuthUri Parse(string uri)
    {
        var u = new System.Uri(uri);
        if (u.Scheme != "otpauth" || !string.Equals(u.Host, "totp", StringComparison.OrdinalIgnoreCase))
        {
            throw new FormatException($"not an otpauth://totp URI: {uri}");
        }

        var query = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var pair in u.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            var key = System.Uri.UnescapeDataString(eq < 0 ? pair : pair[..eq]);
            query[key] = eq < 0 ? "" : System.Uri.UnescapeDataString(pair[(eq + 1)..].Replace('+', ' '));
        }

        if (!query.TryGetValue("secret", out var secret) || secret.Length == 0)
        {
            throw new FormatException($"otpauth URI without secret: {uri}");
        }

        _ = TotpCode.Base32Decode(secret); // validates
        return new OtpAuthUri(
            uri,
            System.Uri.UnescapeDataString(u.AbsolutePath.TrimStart('/')),
            secret,
            query.GetValueOrDefault("issuer"),
            query.TryGetValue("digits", out var d) ? int.Parse(d, CultureInfo.InvariantCulture) : 6,
            query.TryGetValue("period", out var p) ? int.Parse(p, CultureInfo.InvariantCulture) : 30,
            query.GetValueOrDefault("algorithm") ?? "SHA1");
    }

    /// <summary>Redacted: the secret must never end up in test logs.</summary>
    public override string ToString() => $"otpauth://totp/{Label} (secret redacted)";

    /// <summary>Shortcut: the base32 secret of the first otpauth URI in <paramref name="output"/>.</summary>
    public static string SecretFrom(string output) => FindIn(output).Secret;
}
