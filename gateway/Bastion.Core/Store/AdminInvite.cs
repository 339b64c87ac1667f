namespace Bastion.Core.Store;

/// <summary>
/// A one-time link that lets a person register their first security key for the admin web app. Only the SHA-256 of
/// the token is stored, so a copy of the database does not reveal usable links.
/// </summary>
/// <param name="CreatedBy">Who issued it ("cli:root", or the admin's user name).</param>
/// <param name="UsedAt">When the invite was redeemed; null while it is still open.</param>
public sealed record AdminInvite(
    long Id,
    long UserId,
    byte[] TokenHash,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt,
    string CreatedBy,
    DateTimeOffset? UsedAt)
{
    public bool IsOpenAt(DateTimeOffset now) => UsedAt is null && now < ExpiresAt;

    public override string ToString() => $"AdminInvite {{ Id = {Id}, UserId = {UserId}, ExpiresAt = {ExpiresAt:O}, UsedAt = {UsedAt:O} }}";
}
