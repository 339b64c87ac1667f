namespace Bastion.Admin.Security.StepUp;

/// <summary>
/// Marks a page handler that changes credentials, groups or policy: <see cref="StepUpFilter"/> runs it only when
/// this session's last security-key assertion (sign-in or step-up) is inside the step-up window, and otherwise asks
/// for the key again. On the handler method: Razor Pages ignore filter attributes on handlers, so the filter reads this.
/// </summary>
/// <param name="action">What the handler does, for the prompt ("add an SSH key").</param>
[AttributeUsage(AttributeTargets.Method)]
public sealed class RequiresStepUpAttribute(string action) : Attribute
{
    public string Action { get; } = action;
}
