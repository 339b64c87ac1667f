namespace Bastion.Core.Secrets;

/// <summary>
/// A protected secret could not be decrypted: it was made with another key file, belongs to another user or
/// purpose, or was damaged; or the key file itself is unusable. The message says which and what to do.
/// </summary>
public sealed class SecretProtectionException : Exception
{
    public SecretProtectionException(string message) : base(message) { }

    public SecretProtectionException(string message, Exception inner) : base(message, inner) { }
}
