using System.Globalization;
using Bastion.Core.Audit;
using Bastion.Core.Recordings;
using Bastion.Core.Store;
using Bastion.Gateway.Hosting;

namespace Bastion.Gateway.Ssh;

/// <summary>
/// What a gateway node leaves when it stops without closing its sessions: live-session rows whose channel.close
/// was never written, and recordings never sealed. Whoever takes them (the node itself at its next start, or a peer
/// that saw its heartbeats stop) writes them into the audit trail, so the auditor's picture stays honest: each
/// session ended at the crash with at least the bytes last published, and what reached the store of each recording
/// is hashed into the chain. The store hands each row to exactly one taker, so nothing is recorded twice.
/// </summary>
public sealed class NodeLeftovers
{
    private readonly BastionContext _context;

    public NodeLeftovers(BastionContext context) => _context = context;

    /// <summary>Takes and records the node's leftovers; returns how many sessions and recordings there were.</summary>
    /// <param name="cause">Why the node stopped, as far as anyone knows ("crash or kill -9", "no heartbeat since …").</param>
    public async Task<(int Sessions, int Recordings)> TakeOverAsync(string nodeId, string cause, CancellationToken ct)
    {
        var sessions = await _context.Store.TakeLiveSessionsOfNodeAsync(nodeId, ct).ConfigureAwait(false);
        foreach (var orphan in sessions)
        {
            await _context.Audit.AppendNowAsync(new AuditEvent(AuditEventTypes.SessionLost, AuditSeverity.Warning)
            {
                SessionId = orphan.SessionId,
                User = orphan.UserName,
                SourceAddress = orphan.SourceAddress,
                Data = new Dictionary<string, string>
                {
                    ["channel"] = orphan.ChannelId,
                    ["target"] = orphan.TargetName,
                    ["address"] = orphan.TargetAddress,
                    ["instance_id"] = orphan.InstanceId ?? "",
                    ["account"] = orphan.Account ?? "",
                    ["node"] = nodeId,
                    ["started_at"] = orphan.StartedAt.ToString("O"),
                    ["last_seen_at"] = orphan.UpdatedAt.ToString("O"),
                    ["bytes_from_client_at_least"] = orphan.BytesFromClient.ToString(CultureInfo.InvariantCulture),
                    ["bytes_to_client_at_least"] = orphan.BytesToClient.ToString(CultureInfo.InvariantCulture),
                    ["reason"] = $"the gateway node stopped without closing the session ({cause})",
                },
            }, ct).ConfigureAwait(false);
        }

        var lost = await _context.Store.MarkUnsealedRecordingsLostAsync(nodeId, _context.Time.GetUtcNow(), ct).ConfigureAwait(false);
        foreach (var recordingId in lost)
        {
            if (await _context.Store.GetRecordingAsync(recordingId, ct).ConfigureAwait(false) is not { } recording)
            {
                continue; // pruned in between
            }
            var (sha256, bytes) = await RecordingSealLookup.HashStoredAsync(_context.Store, recording.Id, ct).ConfigureAwait(false);
            await _context.Audit.AppendNowAsync(new AuditEvent(AuditEventTypes.RecordingLost, AuditSeverity.Warning)
            {
                SessionId = recording.SessionId,
                User = recording.UserName,
                SourceAddress = recording.SourceAddress,
                Data = new Dictionary<string, string>
                {
                    ["recording_id"] = recording.Id,
                    ["target"] = recording.TargetName,
                    ["node"] = nodeId,
                    ["sha256"] = sha256,
                    ["bytes"] = bytes.ToString(CultureInfo.InvariantCulture),
                    ["reason"] = $"the gateway node stopped before sealing the recording ({cause})",
                },
            }, ct).ConfigureAwait(false);
        }
        return (sessions.Count, lost.Count);
    }
}
