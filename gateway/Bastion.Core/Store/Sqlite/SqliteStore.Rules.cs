using Microsoft.Data.Sqlite;

namespace Bastion.Core.Store.Sqlite;

public sealed partial class SqliteStore
{
    private const string RuleColumns = "id, subject, target_pattern, required_tags, effect, description, created_at";

    /// <inheritdoc />
    public async Task<AccessRule> AddAccessRuleAsync(AccessRuleDefinition rule, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(rule);
        rule.Validate();
        await using var connection = await OpenConnectionAsync(ct).ConfigureAwait(false);
        using var insert = connection.Command(
                $"INSERT INTO access_rules (subject, target_pattern, required_tags, effect, description, created_at) " +
                $"VALUES (@subject, @pattern, @tags, @effect, @description, @created) RETURNING {RuleColumns};")
            .Add("@subject", rule.Subject).Add("@pattern", rule.TargetPattern).Add("@tags", SqliteValues.Json(rule.RequiredTags))
            .Add("@effect", EffectText(rule.Effect)).Add("@description", rule.Description).Add("@created", SqliteValues.Time(Now));
        using var reader = await insert.ExecuteReaderAsync(ct).ConfigureAwait(false);
        await reader.ReadAsync(ct).ConfigureAwait(false);
        return MapRule(reader);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<AccessRule>> ListAccessRulesAsync(CancellationToken ct = default)
    {
        await using var connection = await OpenConnectionAsync(ct).ConfigureAwait(false);
        using var query = connection.Command($"SELECT {RuleColumns} FROM access_rules ORDER BY id;");
        using var reader = await query.ExecuteReaderAsync(ct).ConfigureAwait(false);
        var rules = new List<AccessRule>();
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            rules.Add(MapRule(reader));
        }
        return rules;
    }

    /// <inheritdoc />
    public async Task<bool> DeleteAccessRuleAsync(long id, CancellationToken ct = default)
    {
        await using var connection = await OpenConnectionAsync(ct).ConfigureAwait(false);
        using var delete = connection.Command("DELETE FROM access_rules WHERE id = @id;").Add("@id", id);
        return await delete.ExecuteNonQueryAsync(ct).ConfigureAwait(false) > 0;
    }

    private static string EffectText(AccessEffect effect) => effect == AccessEffect.Deny ? "deny" : "allow";

    private static AccessRule MapRule(SqliteDataReader reader) => EntityRows.AccessRule(reader, SqliteValues.ReadTime);
}
