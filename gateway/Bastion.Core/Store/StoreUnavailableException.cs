namespace Bastion.Core.Store;

/// <summary>
/// The database could not be reached or refused the login when the store was opened. The message names the server,
/// database and user (never the password) and says what to check.
/// </summary>
public sealed class StoreUnavailableException : Exception
{
    public StoreUnavailableException(string message, Exception inner) : base(message, inner) { }
}
