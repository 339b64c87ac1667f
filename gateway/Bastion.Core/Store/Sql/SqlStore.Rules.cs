namespace Bastion.Core.Store.Sql;

public abstract partial class SqlStore
{
    private string RuleColumns => $"id, subject, target_pattern, {D.JsonText("required_tags")}, effect, description, created_at";

    public Task<AccessRule> AddAccessRuleAsync(AccessRuleDefinition rule, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(rule);
        rule.Validate();
        return WithConnectionAsync(async connection => (await connection.FirstAsync(
            "INSERT INTO access_rules (subject, target_pattern, required_tags, effect, description, created_at) " +
            $"VALUES (@Subject, @TargetPattern, {D.JsonParameter("@tags")}, @effect, @Description, @created) RETURNING {RuleColumns};",
            new
            {
                rule.Subject, rule.TargetPattern, tags = SqlDialect.Json(rule.RequiredTags), effect = rule.Effect == AccessEffect.Deny ? "deny" : "allow",
                rule.Description, created = D.Time(Now),
            }, null, r => EntityRows.AccessRule(r, D.ReadTime), ct).ConfigureAwait(false))!, ct);
    }

    public Task<IReadOnlyList<AccessRule>> ListAccessRulesAsync(CancellationToken ct = default) =>
        WithConnectionAsync(connection => connection.ListAsync($"SELECT {RuleColumns} FROM access_rules ORDER BY id;", null, null, r => EntityRows.AccessRule(r, D.ReadTime), ct), ct);

    public async Task<bool> DeleteAccessRuleAsync(long id, CancellationToken ct = default) =>
        await RunAsync("DELETE FROM access_rules WHERE id = @id;", new { id }, ct).ConfigureAwait(false) > 0;
}
