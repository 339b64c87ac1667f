namespace Bastion.Core.Store.Sqlite;

public sealed partial class SqliteStore
{
    /// <inheritdoc />
    public Task<IReadOnlyDictionary<long, Enrolment>> ListEnrolmentsAsync(CancellationToken ct = default) => _enrolments.ListEnrolmentsAsync(ct);
}
