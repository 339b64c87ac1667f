namespace Bastion.Core.Store.Postgres;

public sealed partial class PostgresStore
{
    /// <inheritdoc />
    public Task<IReadOnlyDictionary<long, Enrolment>> ListEnrolmentsAsync(CancellationToken ct = default) => _enrolments.ListEnrolmentsAsync(ct);
}
