using Npgsql;

namespace Bastion.Core.Store.Postgres;

public sealed partial class PostgresStore
{
    private const string RuleColumns = "id, subject, target_pattern, required_tags::text, effect, description, created_at";

    /// <inheritdoc />
    public async Task<AccessRule> AddAccessRuleAsync(AccessRuleDefinition rule, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(rule);
        rule.Validate();
        await using var connection = await OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var insert = connection.Command(
                $"INSERT INTO access_rules (subject, target_pattern, required_tags, effect, description, created_at) " +
                $"VALUES (@subject, @pattern, @tags, @effect, @description, @created) RETURNING {RuleColumns};")
            .Add("@subject", rule.Subject).Add("@pattern", rule.TargetPattern).AddJson("@tags", rule.RequiredTags)
            .Add("@effect", EffectText(rule.Effect)).Add("@description", rule.Description).Add("@created", PostgresValues.Time(Now));
        await using var reader = await insert.ExecuteReaderAsync(ct).ConfigureAwait(false);
        await reader.ReadAsync(ct).ConfigureAwait(false);
        return MapRule(reader);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<AccessRule>> ListAccessRulesAsync(CancellationToken ct = default)
    {
        await using var connection = await OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var query = connection.Command($"SELECT {RuleColumns} FROM access_rules ORDER BY id;");
        await using var reader = await query.ExecuteReaderAsync(ct).ConfigureAwait(false);
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
        await using var delete = connection.Command("DELETE FROM access_rules WHERE id = @id;").Add("@id", id);
        return await delete.ExecuteNonQueryAsync(ct).ConfigureAwait(false) > 0;
    }

    private static string EffectText(AccessEffect effect) => effect == AccessEffect.Deny ? "deny" : "allow";

    private static AccessRule MapRule(NpgsqlDataReader reader) => EntityRows.AccessRule(reader, PostgresValues.ReadTime);
}
