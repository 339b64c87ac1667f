namespace Bastion.Core.Store;

/// <summary>
/// The change clashes with data already stored: a user or target name that exists, a key that belongs to
/// someone else. The message names the clash and what to do instead.
/// </summary>
public sealed class StoreConflictException : Exception
{
    public StoreConflictException(string message) : base(message) { }

    public StoreConflictException(string message, Exception inner) : base(message, inner) { }
}
