namespace Bastion.Core.Store;

/// <summary>Users and their group memberships.</summary>
public interface IUserStore
{
    /// <summary>Adds a user. Throws <see cref="InvalidEntityException"/> or <see cref="StoreConflictException"/> (name taken).</summary>
    Task<User> AddUserAsync(NewUser user, CancellationToken ct = default);

    /// <summary>The user with this exact name, or null.</summary>
    Task<User?> GetUserAsync(string name, CancellationToken ct = default);

    Task<User?> GetUserByIdAsync(long id, CancellationToken ct = default);

    /// <summary>All users ordered by name.</summary>
    Task<IReadOnlyList<User>> ListUsersAsync(CancellationToken ct = default);

    /// <summary>Applies the non-null parts of <paramref name="changes"/>. Throws <see cref="EntityNotFoundException"/> for an unknown name.</summary>
    Task<User> UpdateUserAsync(string name, UserChanges changes, CancellationToken ct = default);

    /// <summary>Deletes the user with their keys and TOTP credential. False if there was no such user.</summary>
    Task<bool> DeleteUserAsync(string name, CancellationToken ct = default);
}
