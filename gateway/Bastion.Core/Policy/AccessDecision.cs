namespace Bastion.Core.Policy;

/// <summary>
/// The outcome of an access check with a reason fit for the audit trail and for the user, e.g.
/// "allowed by rule #3 (@dev → web-*)" or "no rule lets alice reach db-1".
/// </summary>
/// <param name="RuleId">The deciding rule, or null when no rule matched.</param>
public sealed record AccessDecision(bool Allowed, string Reason, long? RuleId = null);
