using System.Globalization;
using Bastion.Admin.Reports;
using Bastion.Admin.Security;
using Bastion.Admin.Security.StepUp;
using Bastion.Core.Audit;
using Bastion.Core.Inventory;
using Bastion.Core.Policy;
using Bastion.Core.Store;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;

namespace Bastion.Admin.Pages.Admin;

public sealed record ReachRow(ResolvedTarget Target, AccessDecision Decision);

public sealed record UserReachRow(User User, AccessDecision Decision);

/// <summary>
/// Admins list, add and remove access rules (the same as <c>bastion access allow|deny|remove</c>), and check who can
/// reach what: one user against every target, or one target against every user, with the deciding rule.
/// </summary>
[Authorize(Policy = Policies.Admin)]
public sealed class RulesModel : BastionPageModel
{
    public IReadOnlyList<AccessRule> Rules { get; private set; } = [];

    public IReadOnlyList<User> Users { get; private set; } = [];

    public IReadOnlyList<ResolvedTarget> Targets { get; private set; } = [];

    [BindProperty(SupportsGet = true, Name = "check_user")]
    public string? CheckUser { get; set; }

    [BindProperty(SupportsGet = true, Name = "check_target")]
    public string? CheckTarget { get; set; }

    /// <summary>Every target with the decision for <see cref="CheckUser"/>; null when no user was picked.</summary>
    public IReadOnlyList<ReachRow>? UserReach { get; private set; }

    /// <summary>Every user with the decision for <see cref="CheckTarget"/>; null when no target was picked.</summary>
    public IReadOnlyList<UserReachRow>? TargetReach { get; private set; }

    public ResolvedTarget? CheckedTarget { get; private set; }

    public string? CheckError { get; private set; }

    /// <summary>What was typed into the add-a-rule form, shown again with <see cref="RuleError"/> when it was refused.</summary>
    [BindProperty]
    public RuleForm NewRule { get; set; } = new();

    public string? RuleError { get; private set; }

    public sealed class RuleForm
    {
        public string? Effect { get; set; }

        public string? Subject { get; set; }

        public string? Pattern { get; set; }

        /// <summary>KEY=VALUE lines.</summary>
        public string? Conditions { get; set; }

        public string? Description { get; set; }
    }

    public async Task OnGetAsync()
    {
        var ct = HttpContext.RequestAborted;
        Rules = await Store.ListAccessRulesAsync(ct);
        Users = await Store.ListUsersAsync(ct);
        Targets = await InventoryView.ListAsync(Bastion, ct);
        var policy = new AccessPolicy(Rules);
        if (!string.IsNullOrWhiteSpace(CheckUser))
        {
            var user = Users.FirstOrDefault(u => u.Name == CheckUser.Trim());
            if (user is null)
            {
                CheckError = $"no user named {CheckUser.Trim()}";
            }
            else
            {
                UserReach = Targets.Select(t => new ReachRow(t, policy.Evaluate(user, t))).ToList();
            }
        }
        if (!string.IsNullOrWhiteSpace(CheckTarget))
        {
            var key = CheckTarget.Trim();
            CheckedTarget = Targets.FirstOrDefault(t => t.Instance is not null && string.Equals(t.Instance.InstanceId, key, StringComparison.Ordinal))
                            ?? Targets.FirstOrDefault(t => t.Instance is null && string.Equals(t.Name, key, StringComparison.OrdinalIgnoreCase))
                            ?? Targets.FirstOrDefault(t => string.Equals(t.Name, key, StringComparison.OrdinalIgnoreCase));
            if (CheckedTarget is null)
            {
                CheckError = $"no target named {key} (static or cloud); see the targets page";
            }
            else
            {
                TargetReach = Users.Select(u => new UserReachRow(u, policy.Evaluate(u, CheckedTarget)))
                    .OrderByDescending(r => r.Decision.Allowed).ThenBy(r => r.User.Name, StringComparer.Ordinal).ToList();
            }
        }
    }

    [RequiresStepUp("change the access rules")]
    public async Task<IActionResult> OnPostAddAsync()
    {
        var ct = HttpContext.RequestAborted;
        var (effect, subject, pattern, conditions, description) = (NewRule.Effect, NewRule.Subject, NewRule.Pattern, NewRule.Conditions, NewRule.Description);
        AccessRule rule;
        try
        {
            var parsedEffect = effect switch
            {
                "allow" => AccessEffect.Allow,
                "deny" => AccessEffect.Deny,
                _ => throw new InvalidEntityException("choose allow or deny"),
            };
            rule = await Store.AddAccessRuleAsync(new AccessRuleDefinition((subject ?? "").Trim(), (pattern ?? "").Trim(), parsedEffect)
            {
                RequiredTags = ParseConditions(conditions),
                Description = string.IsNullOrWhiteSpace(description) ? null : description.Trim(),
            }, ct);
        }
        catch (InvalidEntityException ex)
        {
            // Shown again with what was typed: a long condition list is not retyped after one typo.
            RuleError = ex.Message;
            await OnGetAsync();
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }
        await Audit.WriteAsync(AuditEventTypes.AdminRuleChanged, $"#{rule.Id}", new()
        {
            ["change"] = "added",
            ["effect"] = EffectText(rule.Effect),
            ["rule_subject"] = rule.Subject,
            ["pattern"] = rule.TargetPattern,
            ["conditions"] = ConditionsText(rule.RequiredTags),
        });
        return RedirectWithMessage($"added rule #{rule.Id}: {EffectText(rule.Effect)} {rule.Subject} → {rule.TargetPattern}");
    }

    [RequiresStepUp("change the access rules")]
    public async Task<IActionResult> OnPostRemoveAsync(long id)
    {
        var ct = HttpContext.RequestAborted;
        var rule = (await Store.ListAccessRulesAsync(ct)).FirstOrDefault(r => r.Id == id);
        if (rule is null || !await Store.DeleteAccessRuleAsync(id, ct))
        {
            return RedirectWithError($"there is no rule #{id.ToString(CultureInfo.InvariantCulture)} (already removed?)");
        }
        await Audit.WriteAsync(AuditEventTypes.AdminRuleChanged, $"#{id}", new()
        {
            ["change"] = "removed",
            ["effect"] = EffectText(rule.Effect),
            ["rule_subject"] = rule.Subject,
            ["pattern"] = rule.TargetPattern,
            ["conditions"] = ConditionsText(rule.RequiredTags),
        });
        return RedirectWithMessage($"removed rule #{id}");
    }

    public static string EffectText(AccessEffect effect) => effect == AccessEffect.Deny ? "deny" : "allow";

    public static string ConditionsText(IReadOnlyDictionary<string, string> conditions) =>
        string.Join(", ", conditions.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key}={c.Value}"));

    /// <summary>"key=value" per line (blank lines ignored); the value may be a glob and may use ${user}.</summary>
    internal static Dictionary<string, string> ParseConditions(string? text)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        var lines = (text ?? "").Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        foreach (var line in lines)
        {
            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new InvalidEntityException($"condition \"{line}\" is not KEY=VALUE; use e.g. env=dev, tag:Owner=${{user}}, account=dev-* or region=eu-west-1");
            }
            var key = line[..equals].Trim();
            var value = line[(equals + 1)..].Trim();
            if (!result.TryAdd(key, value))
            {
                throw new InvalidEntityException($"condition key \"{key}\" appears twice; a rule has one value (a glob) per key");
            }
        }
        return result;
    }
}
