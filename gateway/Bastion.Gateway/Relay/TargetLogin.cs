using System.Net.Sockets;
using Bastion.Core.Audit;
using Bastion.Core.Inventory;
using Bastion.Core.Store;
using Bastion.Gateway.Hosting;
using Bastion.Ssh.Algorithms.HostKeys;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace Bastion.Gateway.Relay;

/// <summary>
/// Logs the gateway in to a target with its own client key (recorded mode). The target's host key is pinned on
/// first use in the store, shared by all nodes, and a different key later is refused: the gateway sees the plain
/// session here, so a man in the middle would see it too.
/// </summary>
public sealed class TargetLogin
{
    private readonly BastionContext _context;

    public TargetLogin(BastionContext context) => _context = context;

    /// <summary>Where the pin is kept: the instance id when the inventory knows it (names move, instances do not), else the name.</summary>
    public static string PinSubject(ResolvedTarget target) => target.Instance?.InstanceId ?? target.Name;

    /// <summary>
    /// The second pin of a cloud instance: its address. A developer can launch a new instance (a new id, so a fresh
    /// id pin) at an address another instance's key is pinned for; pinned by address too, that is refused like a
    /// changed key. Static targets are pinned by name only (their address is the administrator's choice).
    /// </summary>
    public static string? AddressPinSubject(ResolvedTarget target) => target.Instance is null ? null : $"address:{target.Host}";

    /// <summary>Logs in; <paramref name="credential"/> (from <see cref="TargetCredential.Create"/>) must live as long as the client.</summary>
    public async Task<SshClient> ConnectAsync(ResolvedTarget target, string targetUser, TargetCredential credential, CancellationToken ct)
    {
        var subject = PinSubject(target);
        var addressSubject = AddressPinSubject(target);
        var pinnedById = await _context.Store.GetTargetHostKeyAsync(subject, ct).ConfigureAwait(false);
        var pinnedByAddress = addressSubject is null ? null : await _context.Store.GetTargetHostKeyAsync(addressSubject, ct).ConfigureAwait(false);
        // A key pinned for the address but not for this instance id: the address served another key before.
        var pinned = pinnedById ?? pinnedByAddress;
        var conflicting = pinnedById is not null && pinnedByAddress is not null && !Same(pinnedById, pinnedByAddress) ? pinnedByAddress : null;
        PinnedHostKey? presented = null;
        var client = new SshClient(new ConnectionInfo(target.Host, target.Port, targetUser, new PrivateKeyAuthenticationMethod(targetUser, credential.Key))
        {
            Timeout = TimeSpan.FromSeconds(_context.Options.Inventory.ConnectTimeoutSeconds),
        });
        client.HostKeyReceived += (_, e) =>
        {
            presented = new PinnedHostKey(e.HostKeyName, "SHA256:" + e.FingerPrintSHA256, _context.Time.GetUtcNow());
            e.CanTrust = (pinnedById is null || Same(pinnedById, presented)) && (pinnedByAddress is null || Same(pinnedByAddress, presented));
        };
        try
        {
            await client.ConnectAsync(ct).ConfigureAwait(false);
        }
        catch (SshConnectionException) when (pinned is not null && presented is not null && !Same(pinned, presented))
        {
            client.Dispose();
            throw HostKeyChanged(target, pinned, presented);
        }
        catch (SshConnectionException) when (conflicting is not null && presented is not null && !Same(conflicting, presented))
        {
            client.Dispose();
            throw HostKeyChanged(target, conflicting, presented);
        }
        catch (SshAuthenticationException ex)
        {
            client.Dispose();
            throw new TargetLoginException("login refused",
                $"{target.Name} did not accept the gateway's {credential.Method} for {targetUser}; {credential.HowToTrust(target.Name, targetUser)}", ex);
        }
        catch (Exception ex) when (ex is SocketException or SshConnectionException or SshOperationTimeoutException or ProxyException)
        {
            client.Dispose();
            throw new TargetLoginException("connect failed", $"{target.Name} ({target.Host}:{target.Port}) did not answer the gateway: {ex.Message}", ex);
        }
        catch
        {
            client.Dispose();
            throw;
        }
        if (presented is not null && addressSubject is not null && pinnedByAddress is null)
        {
            var stored = await _context.Store.PinTargetHostKeyAsync(addressSubject, presented, ct).ConfigureAwait(false);
            if (!Same(stored, presented))
            {
                client.Dispose();
                throw HostKeyChanged(target, stored, presented);
            }
        }
        if (pinnedById is null && presented is not null)
        {
            var stored = await _context.Store.PinTargetHostKeyAsync(subject, presented, ct).ConfigureAwait(false);
            if (!Same(stored, presented))
            {
                // Another node pinned a different key for this target at the same moment.
                client.Dispose();
                throw HostKeyChanged(target, stored, presented);
            }
            if (stored.FirstSeenAt == presented.FirstSeenAt)
            {
                await _context.Audit.AppendAsync(new AuditEvent(AuditEventTypes.TargetHostKeyPinned, AuditSeverity.Notice)
                {
                    Data = new Dictionary<string, string>
                    {
                        ["target"] = target.Name,
                        ["subject"] = subject,
                        ["address_subject"] = addressSubject ?? "",
                        ["key_type"] = presented.KeyType,
                        ["fingerprint"] = presented.Fingerprint,
                    },
                }, ct).ConfigureAwait(false);
            }
        }
        return client;
    }

    private static bool Same(PinnedHostKey a, PinnedHostKey b) =>
        a.KeyType == b.KeyType && string.Equals(a.Fingerprint, b.Fingerprint, StringComparison.Ordinal);

    private static TargetLoginException HostKeyChanged(ResolvedTarget target, PinnedHostKey pinned, PinnedHostKey presented) => new("host key changed",
        $"the host key of {target.Name} changed (at {target.Host}): pinned {pinned.KeyType} {pinned.Fingerprint} on {pinned.FirstSeenAt:u}, now {presented.KeyType} {presented.Fingerprint}. " +
        $"If {target.Name} was rebuilt or its address given to a new instance, an admin runs \"bastion target forget-host-key {target.Name}\"; otherwise someone may be intercepting the connection");
}
