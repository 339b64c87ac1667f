namespace Bastion.Core.Store;

/// <summary>
/// Input that can never be stored (a bad name, an unknown MFA policy, a port out of range). The message is
/// written for the person who typed the input and says what a valid value looks like.
/// </summary>
public sealed class InvalidEntityException : Exception
{
    public InvalidEntityException(string message) : base(message) { }

    public InvalidEntityException(string message, Exception inner) : base(message, inner) { }
}
