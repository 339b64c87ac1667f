namespace Bastion.Core.Keys;

/// <summary>
/// One authorized_keys option: a flag ("no-pty") or a name with a value ("from=\"10.0.0.0/8\"").
/// <see cref="Value"/> is unquoted and unescaped.
/// </summary>
public sealed record AuthorizedKeyOption(string Name, string? Value)
{
    /// <summary>The option as written in authorized_keys: values quoted, inner quotes escaped as \".</summary>
    public override string ToString() => Value is null ? Name : $"{Name}=\"{Value.Replace("\"", "\\\"", StringComparison.Ordinal)}\"";
}
