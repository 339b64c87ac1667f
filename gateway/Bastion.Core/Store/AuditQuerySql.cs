using System.Text;
using Bastion.Core.Audit;
using Dapper;

namespace Bastion.Core.Store;

/// <summary>
/// The SQL of one <see cref="AuditQuery"/> page, shared by the stores: the filters, newest first, and one row more
/// than asked so that <see cref="ToPage"/> can tell whether another page exists. Only how the JSON "target" field is
/// compared differs between databases, so the store passes that predicate in.
/// </summary>
internal sealed class AuditQuerySql
{
    private AuditQuerySql(string text, DynamicParameters parameters, int limit)
    {
        Text = text;
        Parameters = parameters;
        Limit = limit;
    }

    public string Text { get; }

    public DynamicParameters Parameters { get; }

    public int Limit { get; }

    /// <param name="columns">The audit_events columns to select, in the order the store reads them.</param>
    /// <param name="targetPredicate">A condition on the data field "target" equal to @target, case-insensitively.</param>
    public static AuditQuerySql For(AuditQuery query, string columns, string targetPredicate)
    {
        ArgumentNullException.ThrowIfNull(query);
        var limit = Math.Clamp(query.Limit, 1, 1000);
        var where = new StringBuilder("1 = 1");
        var parameters = new DynamicParameters();
        if (query.User is not null)
        {
            where.Append(" AND user_name = @user");
            parameters.Add("@user", query.User);
        }
        if (query.SessionId is not null)
        {
            where.Append(" AND session_id = @session");
            parameters.Add("@session", query.SessionId);
        }
        if (query.Target is not null)
        {
            where.Append(" AND ").Append(targetPredicate);
            parameters.Add("@target", query.Target);
        }
        if (query.Type is not null)
        {
            // "auth." means the whole family; substr rather than LIKE, whose case and escape rules differ between databases.
            where.Append(query.Type.EndsWith('.') ? " AND substr(type, 1, @typeLength) = @type" : " AND type = @type");
            parameters.Add("@type", query.Type);
            parameters.Add("@typeLength", query.Type.Length);
        }
        if (query.From is { } from)
        {
            where.Append(" AND ts >= @from");
            parameters.Add("@from", AuditTimestamp.ToText(from));
        }
        if (query.To is { } to)
        {
            where.Append(" AND ts < @to");
            parameters.Add("@to", AuditTimestamp.ToText(to));
        }
        if (query.BeforeSeq is { } before)
        {
            where.Append(" AND seq < @before");
            parameters.Add("@before", before);
        }
        parameters.Add("@limit", limit + 1);
        return new AuditQuerySql($"SELECT {columns} FROM audit_events WHERE {where} ORDER BY seq DESC LIMIT @limit;", parameters, limit);
    }

    /// <summary>The page from the rows <see cref="Text"/> returned (at most one more than <see cref="Limit"/>).</summary>
    public AuditPage ToPage(IReadOnlyList<AuditRecord> records) =>
        records.Count > Limit
            ? new AuditPage(records.Take(Limit).ToList(), records[Limit - 1].Seq)
            : new AuditPage(records, null);
}
