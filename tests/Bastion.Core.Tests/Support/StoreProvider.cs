namespace Bastion.Core.Tests.Support;

/// <summary>Which <see cref="Bastion.Core.Store.IBastionStore"/> a contract test runs against.</summary>
public enum StoreProvider
{
    Sqlite,
    Postgres,
}
