namespace Bastion.Gateway.Relay;

/// <summary>The gateway could not log in to a target for a recorded session; the message is for the user and the audit trail.</summary>
public sealed class TargetLoginException(string reason, string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>Short machine-friendly reason for the audit trail ("host key changed", "login refused", …).</summary>
    public string Reason { get; } = reason;
}
