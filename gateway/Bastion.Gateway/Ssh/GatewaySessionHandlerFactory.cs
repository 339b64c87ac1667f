using Bastion.Gateway.Hosting;
using Bastion.Ssh;

namespace Bastion.Gateway.Ssh;

public sealed class GatewaySessionHandlerFactory : ISshSessionHandlerFactory
{
    private readonly GatewayContext _context;
    private readonly ActiveSessions _active;

    public GatewaySessionHandlerFactory(GatewayContext context, ActiveSessions active)
    {
        _context = context;
        _active = active;
    }

    public ISshSessionHandler Create(SshConnectionInfo connection) => new GatewaySessionHandler(_context, connection, _active);
}
