namespace Bastion.Core.Audit;

/// <summary>
/// Reasons of auth.failure events that readers of the trail (the failure-burst alert, the disconnect summary) tell apart.
/// </summary>
public static class AuthFailureReasons
{
    public const string UnknownUser = "unknown user";
    public const string KeyNotEnrolled = "key not enrolled for this user";
    public const string LockedOut = "locked out";

    /// <summary>
    /// A client offering a key nobody enrolled for that name: routine (OpenSSH tries every key in the agent), and also
    /// what someone enumerating keys does; it guesses nothing about an account, so it never counts against a user.
    /// </summary>
    public static bool IsKeyProbe(string? method, string? reason) =>
        method == "publickey" && reason is UnknownUser or KeyNotEnrolled;
}
