using System.Globalization;
using Bastion.Core.Audit;
using Bastion.Core.Inventory;
using Bastion.Core.Recordings;
using Bastion.Core.Store;
using Bastion.Hosting.Configuration;
using Bastion.Gateway.Hosting;
using Bastion.Gateway.Relay;
using Bastion.Ssh.Connection;
using Renci.SshNet;

namespace Bastion.Gateway.Ssh;

/// <summary>
/// One recorded session: "ssh -t bastion [user@]web-1 [command]". Checks access like a forwarded channel, logs in to
/// the target with the gateway's key, records the terminal into the store, seals the recording's SHA-256 into the
/// audit chain, and reports the command's exit status to the user. Shown in the live view and killable like any session.
/// </summary>
public sealed class RecordedSession
{
    private const string Mode = "recorded";

    /// <summary>Runs the target account's login shell reading commands from the user's input (sshd runs it through that shell).</summary>
    private const string NoTerminalShell = "exec \"$SHELL\"";

    private readonly BastionContext _context;
    private readonly ConnectionState _state;
    private readonly TargetAccess _access;
    private readonly Observability.GatewayMetrics? _metrics;
    private readonly Bastion.Ssh.Resources.DescriptorBudget? _descriptors;
    private TerminalBridge? _bridge;

    public RecordedSession(BastionContext context, ConnectionState state, Observability.GatewayMetrics? metrics = null, Bastion.Ssh.Resources.DescriptorBudget? descriptors = null)
    {
        _descriptors = descriptors;
        _context = context;
        _state = state;
        _metrics = metrics;
        _access = new TargetAccess(context, state);
    }

    public ValueTask ResizeAsync(int columns, int rows, int width, int height, CancellationToken ct) =>
        _bridge?.ResizeAsync(columns, rows, width, height, ct) ?? ValueTask.CompletedTask;

    /// <summary>Runs the whole session and ends the channel with the exit status; never throws for the user's mistakes.</summary>
    public async Task RunAsync(SessionChannel channel, RecordedCommand request, CancellationToken ct)
    {
        uint exitStatus;
        try
        {
            exitStatus = await RunCoreAsync(channel, request, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return;
        }
        catch (Exception ex)
        {
            // Nothing else would end the channel: without this the user's ssh would hang on a session that is gone.
            exitStatus = 255;
            await Quietly(channel.WriteErrorAsync(ClientText.Line($"Bastion: the recorded session failed ({ex.GetType().Name}: {ex.Message}); tell a Bastion administrator"), CancellationToken.None)).ConfigureAwait(false);
            await Quietly(_context.Audit.AppendAsync(_state.Event(AuditEventTypes.SessionError, AuditSeverity.Warning, new Dictionary<string, string>
            {
                ["mode"] = Mode,
                ["target"] = request.TargetName,
                ["error"] = ex.GetType().Name + ": " + ex.Message,
            }))).ConfigureAwait(false);
        }
        try
        {
            await channel.ExitAsync(exitStatus).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
            // The user left first.
        }
    }

    private async Task<uint> RunCoreAsync(SessionChannel channel, RecordedCommand request, CancellationToken ct)
    {
        var user = _state.User!;
        var options = _context.Options.Recording;
        if (!options.Enabled)
        {
            return await RefuseAsync(channel, "recorded sessions are turned off on this gateway (Bastion:Recording:Enabled); use ProxyJump: ssh -J <bastion> " + request.TargetName, ct).ConfigureAwait(false);
        }
        var access = await _access.CheckAsync(request.TargetName, 22, Mode, ct).ConfigureAwait(false);
        if (access.Target is not { } target)
        {
            return await RefuseAsync(channel, access.Refusal!, ct).ConfigureAwait(false);
        }
        var targetUser = request.TargetUser ?? (string.IsNullOrEmpty(options.DefaultTargetUser) ? user.Name : options.DefaultTargetUser);
        if (!options.AllowsTargetUser(user.Name, targetUser))
        {
            var allowed = string.Join(", ", options.EffectiveAllowedTargetUsers.Select(a => a == RecordingOptions.OwnName ? user.Name : a).Append(options.DefaultTargetUser ?? "").Where(a => a.Length > 0).Distinct());
            var message = $"recorded sessions may log in to targets as {allowed} only, not as {targetUser} (Bastion:Recording:AllowedTargetUsers)";
            await _access.DeniedAsync(access.Requested, target, Mode, "target user not allowed", message).ConfigureAwait(false);
            return await RefuseAsync(channel, "Bastion: " + message, ct).ConfigureAwait(false);
        }
        // The gateway's own SSH connection to the target (and a thread of the client library): at the process's
        // limits this session is refused and the open ones carry on.
        var (descriptor, atLimit) = await _access.TakeDescriptorAsync(_descriptors, access.Requested, target, Mode, _metrics).ConfigureAwait(false);
        if (atLimit is not null)
        {
            return await RefuseAsync(channel, atLimit, ct).ConfigureAwait(false);
        }
        TargetCredential? credential = null;
        SshClient client;
        try
        {
            credential = TargetCredential.Create(_context, user.Name, _state.SessionId, targetUser);
            client = await new TargetLogin(_context).ConnectAsync(target, targetUser, credential, ct).ConfigureAwait(false);
        }
        catch (TargetLoginException ex)
        {
            credential?.Dispose();
            descriptor?.Dispose();
            await _access.DeniedAsync(access.Requested, target, Mode, ex.Reason, ex.Message).ConfigureAwait(false);
            return await RefuseAsync(channel, "Bastion: " + ex.Message, ct).ConfigureAwait(false);
        }
        catch (OutOfMemoryException)
        {
            // Thread.Start reports a refused thread (RLIMIT_NPROC, a cgroup's pids.max) as out of memory.
            credential?.Dispose();
            descriptor?.Dispose();
            var error = $"the gateway cannot start another recorded session now (out of memory or threads); try again in a minute";
            await _access.DeniedAsync(access.Requested, target, Mode, "out of memory or threads", error).ConfigureAwait(false);
            return await RefuseAsync(channel, "Bastion: " + error, ct).ConfigureAwait(false);
        }
        catch
        {
            credential?.Dispose();
            descriptor?.Dispose();
            throw;
        }
        using (descriptor)
        using (credential)
        using (client)
        {
            return await RecordAsync(channel, request, access, target, targetUser, credential, client, ct).ConfigureAwait(false);
        }
    }

    private async Task<uint> RecordAsync(SessionChannel channel, RecordedCommand request, TargetAccessResult access, ResolvedTarget target, string targetUser,
        TargetCredential credential, SshClient client, CancellationToken ct)
    {
        var options = _context.Options.Recording;
        var settings = options.RecorderSettings();
        if (channel.Pty is null && options.RecordInputWithoutTerminal)
        {
            settings = settings with { RecordInput = true };
        }
        var pty = channel.Pty is { } p ? new PtyRequestSize(p.Term, p.Columns, p.Rows, p.WidthPixels, p.HeightPixels) : PtyRequestSize.Default;
        var startedAt = _context.Time.GetUtcNow();
        var channelId = TargetAccess.NewChannelId();
        var info = new RecordingInfo(Guid.NewGuid().ToString("N"), _state.SessionId, _context.NodeId, _state.User!.Name, Source,
            target.Name, $"{target.Host}:{target.Port}", targetUser, request.Command, (int)pty.Columns, (int)pty.Rows, startedAt, null, 0, null, RecordingStatus.Recording);

        SessionRecorder? recorder = null;
        try
        {
            recorder = await SessionRecorder.StartAsync(_context.Store, info, channel.Pty?.Term, settings, _context.Time, ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            await RecordingFailedAsync(info, channelId, ex, settings.FailClosed).ConfigureAwait(false);
            if (settings.FailClosed)
            {
                return await RefuseAsync(channel, "Bastion: the session cannot be recorded (the store did not accept the recording), so it is not opened; try again or tell a Bastion administrator", ct).ConfigureAwait(false);
            }
            await channel.WriteErrorAsync("Bastion: this session is NOT recorded (the store did not accept the recording); it continues because Bastion:Recording:FailureMode is open\n", ct).ConfigureAwait(false);
        }

        var openFields = new Dictionary<string, string>
        {
            ["target_user"] = targetUser,
            ["command"] = request.Command ?? "",
            ["target_auth"] = credential.Method,
        };
        if (credential.CertificateKeyId is not null)
        {
            openFields["certificate_key_id"] = credential.CertificateKeyId;
            openFields["certificate_serial"] = credential.CertificateSerial!.Value.ToString(CultureInfo.InvariantCulture);
        }
        if (recorder is not null)
        {
            openFields["recording_id"] = info.Id;
        }
        var live = await _access.OpenedAsync(access, Mode, channelId, startedAt, openFields, ct).ConfigureAwait(false);
        live.Channel = channel;
        if (recorder is not null)
        {
            await _context.Audit.AppendAsync(_state.Event(AuditEventTypes.RecordingStarted, AuditSeverity.Info, new Dictionary<string, string>
            {
                ["recording_id"] = info.Id,
                ["channel"] = channelId,
                ["target"] = target.Name,
                ["target_user"] = targetUser,
                ["command"] = request.Command ?? "",
            }), ct).ConfigureAwait(false);
        }

        await PublishLiveAsync(live, ct).ConfigureAwait(false);

        var failureWatch = recorder is null ? Task.CompletedTask : WatchRecordingAsync(recorder, info, channelId);
        var bridge = new TerminalBridge(channel, recorder, options.MaxQueuedCommandOutputBytes);
        _bridge = bridge;
        uint exitStatus;
        try
        {
            exitStatus = (request.Command, channel.Pty) switch
            {
                (null, not null) => await bridge.RunShellAsync(client, pty, ct).ConfigureAwait(false),
                // No terminal asked for ("echo uname | ssh bastion web-1"): the login shell as a command, so that the
                // user's EOF reaches it and its exit status comes back (SSH.NET's shell streams offer neither).
                (null, null) => await bridge.RunCommandAsync(client, NoTerminalShell, ct).ConfigureAwait(false),
                _ => await bridge.RunCommandAsync(client, request.Command, ct).ConfigureAwait(false),
            };
        }
        finally
        {
            _bridge = null;
        }
        if (bridge.Overflowed)
        {
            await Quietly(channel.WriteErrorAsync($"\nBastion: the command's output came faster than it could be recorded (more than {options.MaxQueuedCommandOutputBytes / (1024 * 1024)} MiB waiting), so the session was closed to protect the gateway; move bulk data with scp or sftp through ProxyJump\n", CancellationToken.None)).ConfigureAwait(false);
            exitStatus = 255;
        }
        else if (recorder is { HasFailed: true, FailClosed: true })
        {
            await Quietly(channel.WriteErrorAsync("\nBastion: the recording of this session failed, so the session was closed (Bastion:Recording:FailureMode is closed)\n", CancellationToken.None)).ConfigureAwait(false);
            exitStatus = 255;
        }
        await SealAsync(recorder, info, channelId).ConfigureAwait(false);
        await failureWatch.ConfigureAwait(false);
        await _access.ClosedAsync(live, channel.BytesFromClient, channel.BytesToClient, _context.Time.GetUtcNow() - startedAt, bridge.EndReason,
            new Dictionary<string, string> { ["mode"] = Mode, ["exit_status"] = exitStatus.ToString(CultureInfo.InvariantCulture) }).ConfigureAwait(false);
        return exitStatus;
    }

    private async Task WatchRecordingAsync(SessionRecorder recorder, RecordingInfo info, string channelId)
    {
        var finished = await Task.WhenAny(recorder.Failed, recorder.Sealed).ConfigureAwait(false);
        if (finished == recorder.Failed)
        {
            await RecordingFailedAsync(info, channelId, recorder.Failed.Result, recorder.FailClosed).ConfigureAwait(false);
        }
    }

    private async Task SealAsync(SessionRecorder? recorder, RecordingInfo info, string channelId)
    {
        if (recorder is null)
        {
            return;
        }
        await using (recorder.ConfigureAwait(false))
        {
            try
            {
                var seal = await recorder.SealAsync().ConfigureAwait(false);
                _metrics?.RecordingEnded(seal.Status, seal.Bytes);
                await _context.Audit.AppendAsync(_state.Event(AuditEventTypes.RecordingSealed, seal.Status == RecordingStatus.Complete ? AuditSeverity.Info : AuditSeverity.Warning,
                    new Dictionary<string, string>
                    {
                        ["recording_id"] = seal.RecordingId,
                        ["channel"] = channelId,
                        ["sha256"] = seal.Sha256,
                        ["bytes"] = seal.Bytes.ToString(CultureInfo.InvariantCulture),
                        ["status"] = seal.Status,
                        ["target"] = info.TargetName,
                    })).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                _metrics?.RecordingEnded("failed", 0);
                await RecordingFailedAsync(info, channelId, ex, recorder.FailClosed, sealing: true).ConfigureAwait(false);
            }
        }
    }

    private ValueTask RecordingFailedAsync(RecordingInfo info, string channelId, Exception error, bool failClosed, bool sealing = false) =>
        _context.Audit.AppendAsync(_state.Event(AuditEventTypes.RecordingFailed, AuditSeverity.Critical, new Dictionary<string, string>
        {
            ["recording_id"] = info.Id,
            ["channel"] = channelId,
            ["target"] = info.TargetName,
            ["stage"] = sealing ? "seal" : "write",
            ["failure_mode"] = failClosed ? "closed" : "open",
            ["error"] = error.GetType().Name + ": " + error.Message,
        }));

    private async Task PublishLiveAsync(LiveChannel live, CancellationToken ct)
    {
        try
        {
            await _context.Store.UpsertLiveSessionAsync(LiveSessions.Row(_context, _state, live), ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Advisory, as for forwarded channels; the next refresh tries again.
        }
    }

    /// <summary>Refusals quote the target's name, the account asked for and what the target's sshd answered.</summary>
    private async Task<uint> RefuseAsync(SessionChannel channel, string message, CancellationToken ct)
    {
        await channel.WriteErrorAsync(ClientText.Line(message), ct).ConfigureAwait(false);
        return 1;
    }

    private string Source => _state.Remote is null ? "" : $"{_state.RemoteAddress}:{_state.Remote.Port}";

    private static async Task Quietly(ValueTask task)
    {
        try
        {
            await task.ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Best effort: the user may be gone.
        }
    }
}
