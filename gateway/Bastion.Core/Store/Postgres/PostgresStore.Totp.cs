namespace Bastion.Core.Store.Postgres;

public sealed partial class PostgresStore
{
    /// <inheritdoc />
    public Task SetTotpCredentialAsync(long userId, byte[] encryptedSecret, CancellationToken ct = default) => _totp.SetTotpCredentialAsync(userId, encryptedSecret, ct);

    /// <inheritdoc />
    public Task<TotpCredential?> GetTotpCredentialAsync(long userId, CancellationToken ct = default) => _totp.GetTotpCredentialAsync(userId, ct);

    /// <inheritdoc />
    public Task<bool> TryAdvanceTotpStepAsync(long userId, long step, CancellationToken ct = default) => _totp.TryAdvanceTotpStepAsync(userId, step, ct);

    /// <inheritdoc />
    public Task<bool> RemoveTotpCredentialAsync(long userId, CancellationToken ct = default) => _totp.RemoveTotpCredentialAsync(userId, ct);
}
