using System.Text;
using Dapper;

namespace Bastion.Core.Store;

/// <summary>
/// The SQL of one <see cref="RecordingQuery"/>, shared by the stores: the filters, newest first (ties by id, so the
/// order is total), at most 1000 rows. Times are compared as the store keeps them, so the store converts them.
/// </summary>
internal sealed class RecordingQuerySql
{
    public const int MaxLimit = 1000;

    private RecordingQuerySql(string text, DynamicParameters parameters)
    {
        Text = text;
        Parameters = parameters;
    }

    public string Text { get; }

    public DynamicParameters Parameters { get; }

    /// <param name="time">The store's column value for a time (text on SQLite, a UTC DateTimeOffset on PostgreSQL).</param>
    public static RecordingQuerySql For(RecordingQuery query, Func<DateTimeOffset, object> time)
    {
        ArgumentNullException.ThrowIfNull(query);
        var where = new StringBuilder("1 = 1");
        var parameters = new DynamicParameters();
        void Filter(string condition, string name, object? value)
        {
            if (value is not null)
            {
                where.Append(" AND ").Append(condition);
                parameters.Add(name, value);
            }
        }
        Filter("user_name = @user", "@user", query.UserName);
        Filter("target_key = @target", "@target", query.TargetName is null ? null : RecordingRows.TargetKey(query.TargetName));
        Filter("session_id = @session", "@session", query.SessionId);
        Filter("node_id = @node", "@node", query.NodeId);
        Filter("status = @status", "@status", query.Status);
        Filter("started_at >= @from", "@from", query.From is { } from ? time(from) : null);
        Filter("started_at < @until", "@until", query.Until is { } until ? time(until) : null);
        parameters.Add("@limit", Math.Clamp(query.Limit, 1, MaxLimit));
        return new RecordingQuerySql(
            $"SELECT {RecordingRows.Columns} FROM recordings WHERE {where} ORDER BY started_at DESC, id DESC LIMIT @limit;", parameters);
    }
}
