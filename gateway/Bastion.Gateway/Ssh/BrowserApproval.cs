using System.Globalization;
using Bastion.Core.Audit;
using Bastion.Core.Store;
using Bastion.Gateway.Hosting;
using Bastion.Ssh.Authentication;

namespace Bastion.Gateway.Ssh;

/// <summary>How a wait for a browser approval ended, or that it goes on (<see cref="BrowserApproval.Waiting"/> carries the countdown).</summary>
public enum ApprovalOutcome
{
    StillWaiting,
    Approved,
    Denied,
    Abandoned,
    Expired,
    Disappeared,
}

/// <summary>
/// The browser approval of one connection (policy key+webauthn): opens it once, tells the terminal the link, the
/// number to pick and the source the gateway sees, then waits for the decision, counting down on the terminal. What a
/// decision means for the login (success, a counted failure) stays with <see cref="GatewayAuthenticator"/>.
/// </summary>
public sealed class BrowserApproval(BastionContext context, ConnectionState state)
{
    private static readonly TimeSpan PollPeriod = TimeSpan.FromMilliseconds(250);

    /// <summary>How often a login waiting for its approval tells the terminal how long it has left.</summary>
    private static readonly TimeSpan CountdownPeriod = TimeSpan.FromSeconds(15);

    /// <summary>The countdown line to show when <see cref="AwaitAsync"/> returns <see cref="ApprovalOutcome.StillWaiting"/>.</summary>
    public KeyboardInteractiveStep? Waiting { get; private set; }

    /// <summary>
    /// Opens the connection's approval, or tells about the one it already has: a repeated keyboard-interactive request
    /// gets no new row, no new event and no second grace extension.
    /// </summary>
    public async ValueTask<KeyboardInteractiveStep> RequestAsync(User user, CancellationToken cancellationToken)
    {
        var lifetime = TimeSpan.FromSeconds(context.Options.Mfa.WebApprovalSeconds);
        var approval = state.Approval;
        if (approval is null)
        {
            var now = context.Time.GetUtcNow();
            approval = await context.Store.CreateLoginApprovalAsync(new LoginApproval(
                ApprovalCodes.New(), user.Name, state.Remote is null ? "" : $"{state.RemoteAddress}:{state.Remote.Port}",
                state.ClientVersion ?? "", now, now + lifetime, LoginApprovalState.Pending, null, null)
            {
                SessionId = state.SessionId,
                KeyFingerprint = state.VerifiedKey!.Fingerprint,
                MatchNumber = ApprovalCodes.NewMatchNumber(),
            }, cancellationToken).ConfigureAwait(false);
            state.Approval = approval;
            await context.Audit.AppendAsync(state.Event("auth.approval_requested", AuditSeverity.Info, new Dictionary<string, string>
            {
                ["approval"] = approval.Code,
                ["expires_at"] = approval.ExpiresAt.ToString("O", CultureInfo.InvariantCulture),
            }), cancellationToken).ConfigureAwait(false);
        }
        state.PendingApproval = approval.Code;
        var url = $"{context.Options.Admin.PublicUrl.TrimEnd('/')}/approve/{approval.Code}";
        var left = Math.Max(0, (int)(approval.ExpiresAt - context.Time.GetUtcNow()).TotalSeconds);
        return KeyboardInteractiveStep.Notify("Bastion login approval",
            $"Approve this login in your browser within {left} s:\n  {url}\n" +
            $"On that page, pick the number {approval.MatchNumber}. This login comes from {state.RemoteAddress} as the gateway sees it;\n" +
            "if the page shows another address or asks for another number, deny it.\n",
            lifetime + TimeSpan.FromSeconds(5));
    }

    /// <summary>
    /// Waits for the decision on approval <paramref name="code"/>, within a poll period of it. After
    /// <see cref="CountdownPeriod"/> without one it returns <see cref="ApprovalOutcome.StillWaiting"/> with a countdown in
    /// <see cref="Waiting"/>: another prompt-less request, which the client answers at once and which brings it back here.
    /// </summary>
    public async ValueTask<(ApprovalOutcome Outcome, LoginApproval? Approval)> AwaitAsync(string code, CancellationToken cancellationToken)
    {
        state.PendingApproval = null;
        Waiting = null;
        var started = context.Time.GetUtcNow();
        while (true)
        {
            var approval = await context.Store.GetLoginApprovalAsync(code, cancellationToken).ConfigureAwait(false);
            switch (approval?.State)
            {
                case null:
                    return (ApprovalOutcome.Disappeared, null);
                case LoginApprovalState.Approved:
                    return (ApprovalOutcome.Approved, approval);
                case LoginApprovalState.Denied:
                    return (ApprovalOutcome.Denied, approval);
                case LoginApprovalState.Abandoned:
                    return (ApprovalOutcome.Abandoned, approval);
            }
            var now = context.Time.GetUtcNow();
            if (approval.IsExpired(now))
            {
                return (ApprovalOutcome.Expired, approval);
            }
            if (now - started >= CountdownPeriod)
            {
                state.PendingApproval = code;
                Waiting = KeyboardInteractiveStep.Notify("",
                    $"Bastion: waiting for your approval in the browser (number {approval.MatchNumber}): {(int)(approval.ExpiresAt - now).TotalSeconds} s left.\n",
                    TimeSpan.Zero);
                return (ApprovalOutcome.StillWaiting, approval);
            }
            await Task.Delay(PollPeriod, context.Time, cancellationToken).ConfigureAwait(false);
        }
    }
}
