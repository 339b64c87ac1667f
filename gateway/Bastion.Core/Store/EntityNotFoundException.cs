namespace Bastion.Core.Store;

/// <summary>An update or delete named something that does not exist (e.g. <c>no user named "alice"</c>).</summary>
public sealed class EntityNotFoundException : Exception
{
    public EntityNotFoundException(string message) : base(message) { }
}
