using Bastion.Gateway.Hosting;
using Bastion.Gateway.Limits;
using Bastion.Gateway.Observability;
using Bastion.Ssh;
using Bastion.Ssh.Resources;

namespace Bastion.Gateway.Ssh;

public sealed class GatewaySessionHandlerFactory : ISshSessionHandlerFactory
{
    private readonly BastionContext _context;
    private readonly ActiveSessions _active;
    private readonly UserResourceCaps _caps;
    private readonly GatewayMetrics? _metrics;
    private readonly DescriptorBudget? _descriptors;

    public GatewaySessionHandlerFactory(BastionContext context, ActiveSessions active, UserResourceCaps caps, GatewayMetrics? metrics = null, DescriptorBudget? descriptors = null)
    {
        _context = context;
        _active = active;
        _caps = caps;
        _metrics = metrics;
        _descriptors = descriptors;
    }

    public ISshSessionHandler Create(SshConnectionInfo connection) => new GatewaySessionHandler(_context, connection, _active, _caps, _metrics, _descriptors);
}
