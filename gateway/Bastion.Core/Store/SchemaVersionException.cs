namespace Bastion.Core.Store;

/// <summary>
/// The database was migrated by a newer Bastion than this one. Running on would risk writing rows the newer
/// schema does not expect, so the store refuses to open it.
/// </summary>
public sealed class SchemaVersionException : Exception
{
    public SchemaVersionException(string message) : base(message) { }
}
