using System.Text;
using Bastion.Core.Policy;
using Bastion.Core.Store;
using Bastion.Gateway.Hosting;
using Bastion.Hosting.ClientSetup;
using Bastion.Ssh.Connection;
using Bastion.Ssh.Messages;
using static Bastion.Core.Security.TerminalText;
using Bastion.Core.Mfa;

namespace Bastion.Gateway.Ssh;

/// <summary>
/// What "ssh bastion" (no target) shows: the targets this user may reach and the ssh_config that makes
/// "ssh NAME.dev" work, then exit status 0. The bastion never offers a shell of its own. Names, addresses and accounts
/// come from developer accounts and the store, so each is escaped before it reaches the user's terminal.
/// </summary>
public sealed class TargetListingSession
{
    private readonly BastionContext _context;
    private readonly ConnectionState _state;

    public TargetListingSession(BastionContext context, ConnectionState state)
    {
        _context = context;
        _state = state;
    }

    public async Task WriteListingAsync(SessionChannel channel, CancellationToken cancellationToken)
    {
        try
        {
            await channel.WriteAsync(await BuildListingAsync(cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
            await channel.ExitAsync(0).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The client left first.
        }
    }

    internal async Task<string> BuildListingAsync(CancellationToken cancellationToken)
    {
        var user = _state.User!;
        var targets = await _context.Inventory.ListAsync(cancellationToken).ConfigureAwait(false);
        var policy = await AccessPolicy.LoadAsync(_context.Store, cancellationToken).ConfigureAwait(false);
        var reachable = policy.ReachableTargets(user, targets).OrderBy(t => t.Name, StringComparer.OrdinalIgnoreCase).ToList();
        var suffix = _context.Options.Inventory.DomainSuffix;
        // This node's own settings are the truth here (it is the one listening); a wildcard listen address is
        // replaced by the address this client reached.
        var address = GatewayAddress.For(_context.Options.Ssh, [], (_state.Connection?.LocalEndPoint as System.Net.IPEndPoint)?.Address.ToString());
        var userName = Visible(user.Name);

        var text = new StringBuilder();
        text.AppendLine($"Hello {userName}. This is the Bastion gateway; it forwards SSH, it has no shell.");
        text.AppendLine();
        if (reachable.Count == 0)
        {
            text.AppendLine("You may not reach any target yet. Ask a Bastion administrator for access.");
        }
        else
        {
            text.AppendLine($"Targets you may reach ({reachable.Count}):");
            var width = reachable.Max(t => Visible(t.Name).Length);
            foreach (var target in reachable)
            {
                var name = Visible(target.Name);
                var account = target.Account is null ? "" : $"  account {Visible(target.Account)}";
                var recordedOnly = _context.Options.Recording.IsRequiredFor(target.Tags) ? "  (recorded sessions only: ssh -t bastion-gateway " + name + ")" : "";
                text.AppendLine($"  {name.PadRight(width)}  {Visible(target.Host)}:{target.Port}{account}{recordedOnly}");
            }
        }
        text.AppendLine();
        text.AppendLine("Add this to ~/.ssh/config on your laptop:");
        text.AppendLine();
        text.Append(address.ClientConfig(userName, suffix, "  "));
        text.AppendLine();
        var example = reachable.Count > 0 ? Visible(reachable[0].Name) : "NAME";
        var once = MfaPolicies.AskedOncePerConnection(user.MfaPolicy);
        text.AppendLine($"Then: ssh {example}.{suffix}" + (once is null ? "" : $"   ({once})"));
        if (_context.Options.Recording.Enabled)
        {
            text.AppendLine();
            text.AppendLine($"Recorded session (the gateway logs in for you and records the terminal): ssh -t bastion-gateway [USER@]{example} [COMMAND]");
        }
        return text.ToString();
    }
}
