namespace Bastion.Core.Store;

/// <summary><see cref="IEnrolmentStore"/> for both databases: three single statements on one connection.</summary>
internal sealed class SqlEnrolmentStore(SqlAccess sql) : IEnrolmentStore
{
    public async Task<IReadOnlyDictionary<long, Enrolment>> ListEnrolmentsAsync(CancellationToken ct = default)
    {
        var keys = new Dictionary<long, List<string>>();
        var totp = new HashSet<long>();
        var webAuthn = new Dictionary<long, int>();
        await using var connection = await sql.OpenAsync(ct).ConfigureAwait(false);
        await using (var query = SqlAccess.Command(connection, "SELECT user_id, key_type FROM ssh_keys ORDER BY id;"))
        await using (var reader = await query.ExecuteReaderAsync(ct).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                var user = reader.GetInt64(0);
                if (!keys.TryGetValue(user, out var types))
                {
                    keys[user] = types = [];
                }
                types.Add(reader.GetString(1));
            }
        }
        await using (var query = SqlAccess.Command(connection, "SELECT user_id FROM totp_credentials;"))
        await using (var reader = await query.ExecuteReaderAsync(ct).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                totp.Add(reader.GetInt64(0));
            }
        }
        await using (var query = SqlAccess.Command(connection, "SELECT user_id, COUNT(*) FROM webauthn_credentials GROUP BY user_id;"))
        await using (var reader = await query.ExecuteReaderAsync(ct).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                webAuthn[reader.GetInt64(0)] = Convert.ToInt32(reader.GetValue(1));
            }
        }
        return keys.Keys.Concat(totp).Concat(webAuthn.Keys).Distinct().ToDictionary(
            id => id,
            id => new Enrolment(keys.TryGetValue(id, out var types) ? types : [], totp.Contains(id), webAuthn.GetValueOrDefault(id)));
    }
}
