using System.Globalization;
using Bastion.Core.Audit;
using Bastion.Core.Keys;
using Bastion.Core.Mfa;
using Bastion.Core.Store;
using Bastion.Gateway.Configuration;
using Bastion.Gateway.Hosting;
using Bastion.Ssh.Algorithms.PublicKeys;
using Bastion.Ssh.Authentication;
using Bastion.Ssh.Messages;

namespace Bastion.Gateway.Ssh;

/// <summary>
/// Decides authentication for one connection: the key must belong to an enabled user, then the user's MFA policy
/// says what else is needed (TOTP over keyboard-interactive by default; nothing more for automation accounts).
/// Every decision is audited and failures feed the per-user and per-address rate limits.
/// </summary>
public sealed class GatewayAuthenticator
{
    private const string PublicKey = "publickey";
    private const string KeyboardInteractive = "keyboard-interactive";
    private const string CodePrompt = "Verification code: ";
    private static readonly TimeSpan ApprovalPollPeriod = TimeSpan.FromMilliseconds(250);

    private readonly GatewayContext _context;
    private readonly ConnectionState _state;

    public GatewayAuthenticator(GatewayContext context, ConnectionState state)
    {
        _context = context;
        _state = state;
    }

    public ValueTask<AuthResult> NoneAsync(string userName)
    {
        var lockout = _context.RateLimiter.IsLockedOut(userName, _state.RemoteAddress);
        if (lockout.IsLockedOut)
        {
            return ValueTask.FromResult(LockedOut(lockout.RetryAfter));
        }
        return ValueTask.FromResult(AuthResult.List([PublicKey]));
    }

    public async ValueTask<bool> IsKeyAcceptableAsync(string userName, SshPublicKey key, CancellationToken cancellationToken)
    {
        var (user, stored) = await FindKeyAsync(userName, key, cancellationToken).ConfigureAwait(false);
        if (user is not null && stored is not null)
        {
            // Also for a disabled user: OpenSSH always asks before it signs, so refusing here would leave them a bare
            // "Permission denied". Once they prove the key, PublicKeyAsync refuses with a banner that says why.
            return true;
        }
        // Most clients only ever send this query for a key the server does not know: it is the failed attempt.
        await AuditFailureAsync(userName, PublicKey, user is null ? "unknown user" : "key not enrolled for this user", key).ConfigureAwait(false);
        return false;
    }

    public async ValueTask<AuthResult> PublicKeyAsync(string userName, SshPublicKey key, string algorithm, SignatureCheck signature, CancellationToken cancellationToken)
    {
        var lockout = _context.RateLimiter.IsLockedOut(userName, _state.RemoteAddress);
        if (lockout.IsLockedOut)
        {
            await AuditFailureAsync(userName, PublicKey, "locked out", key).ConfigureAwait(false);
            return LockedOut(lockout.RetryAfter);
        }
        var (user, stored) = await FindKeyAsync(userName, key, cancellationToken).ConfigureAwait(false);
        if (user is null || stored is null)
        {
            await FailAsync(userName, PublicKey, user is null ? "unknown user" : "key not enrolled for this user", key).ConfigureAwait(false);
            return AuthResult.Failed([PublicKey]);
        }
        if (user.Disabled)
        {
            await FailAsync(userName, PublicKey, "user disabled", key).ConfigureAwait(false);
            return AuthResult.FailAndDisconnect($"Bastion: the account \"{user.Name}\" is disabled. Ask a Bastion administrator to re-enable it.");
        }
        // The key is proven; its authorized_keys options may still refuse it here (from=, expiry-time=).
        var (restrictions, optionRefusal) = KeyOptionLogin.Check(stored, _state.RemoteAddress, _context.Time.GetUtcNow());
        if (optionRefusal is not null)
        {
            await FailAsync(userName, PublicKey, optionRefusal.Reason, key, optionRefusal.Option).ConfigureAwait(false);
            // Not a disconnect: another key the client holds may be allowed from here.
            return AuthResult.Failed([PublicKey], KeyOptionLogin.Banner(optionRefusal, user.Name));
        }
        // A group may require more than the user's own policy ("@prod-admins use security keys"); the stronger one holds.
        var (policy, requiredBy) = MfaPolicies.Effective(user, await _context.Store.ListGroupMfaPoliciesAsync(cancellationToken).ConfigureAwait(false));
        user = user with { MfaPolicy = policy };
        _state.MfaPolicyGroup = requiredBy;
        var securityKey = SupportedKeyTypes.IsSecurityKey(key.KeyType);
        if (securityKey)
        {
            var refusal = await CheckSecurityKeyAsync(user, stored, restrictions!, key, signature, cancellationToken).ConfigureAwait(false);
            if (refusal is not null)
            {
                return refusal;
            }
        }
        _state.User = user;
        _state.VerifiedKey = stored;
        _state.KeyRestrictions = restrictions;
        await _context.Store.RecordSshKeyUsedAsync(stored.Id, cancellationToken).ConfigureAwait(false);

        switch (user.MfaPolicy)
        {
            case MfaPolicies.KeyOnly when user.IsAutomation:
                return await SucceedAsync("none (automation account)", algorithm).ConfigureAwait(false);
            case MfaPolicies.SecurityKey when securityKey:
                return await SucceedAsync("fido", algorithm).ConfigureAwait(false);
            case MfaPolicies.KeyAndTotp:
            case MfaPolicies.SecurityKeyAndTotp when securityKey:
                return await AskForTotpAsync(user, key, algorithm, cancellationToken).ConfigureAwait(false);
            case MfaPolicies.KeyAndWebAuthn:
                var partial = KeyFields(key);
                partial["method"] = PublicKey;
                partial["algorithm"] = algorithm;
                partial["next"] = "webauthn-approval";
                await _context.Audit.AppendAsync(_state.Event("auth.partial", AuditSeverity.Info, partial), cancellationToken).ConfigureAwait(false);
                return AuthResult.Partial([KeyboardInteractive]);
            case MfaPolicies.SecurityKey or MfaPolicies.SecurityKeyAndTotp:
                // Another key the client holds may be the security key; let it try.
                await FailAsync(userName, PublicKey, $"MFA policy {user.MfaPolicy} needs a security key, got {key.KeyType}", key).ConfigureAwait(false);
                _state.User = null;
                _state.VerifiedKey = null;
                _state.KeyRestrictions = null;
                return AuthResult.Failed([PublicKey],
                    $"Bastion: \"{user.Name}\" must sign in with a security key{RequiredBy()} (ssh-keygen -t ed25519-sk or ecdsa-sk, enrolled with bastion key add).");
            default:
                await FailAsync(userName, PublicKey, $"MFA policy {user.MfaPolicy} cannot be met with a {key.KeyType} key", key).ConfigureAwait(false);
                return AuthResult.FailAndDisconnect($"Bastion: your MFA policy \"{user.MfaPolicy}\"{RequiredBy()} needs a credential this login did not offer.");
        }
    }

    /// <summary>" (required by group @NAME)" when a group's policy is the one in force, for messages.</summary>
    private string RequiredBy() => _state.MfaPolicyGroup is { } group ? $" (required by group @{group})" : "";

    private async ValueTask<AuthResult> AskForTotpAsync(User user, SshPublicKey key, string algorithm, CancellationToken cancellationToken)
    {
        if (await _context.Store.GetTotpCredentialAsync(user.Id, cancellationToken).ConfigureAwait(false) is null)
        {
            await FailAsync(user.Name, PublicKey, "TOTP not enrolled", key).ConfigureAwait(false);
            return AuthResult.FailAndDisconnect($"Bastion: \"{user.Name}\" has no TOTP authenticator enrolled. Ask an administrator to run: bastion totp enroll {user.Name}");
        }
        var data = KeyFields(key);
        data["method"] = PublicKey;
        data["algorithm"] = algorithm;
        data["next"] = "totp";
        await _context.Audit.AppendAsync(_state.Event("auth.partial", AuditSeverity.Info, data), cancellationToken).ConfigureAwait(false);
        return AuthResult.Partial([KeyboardInteractive]);
    }

    /// <summary>Presence/verification flags and the clone-detecting counter; null when the signature is acceptable.</summary>
    private async ValueTask<AuthResult?> CheckSecurityKeyAsync(User user, SshKey stored, KeyRestrictions restrictions, SshPublicKey key, SignatureCheck signature, CancellationToken cancellationToken)
    {
        if (KeyOptionLogin.UnwaivedTouch(user, stored, restrictions) is { } waived)
        {
            await FailAsync(user.Name, PublicKey, waived.Reason, key, waived.Option).ConfigureAwait(false);
            return AuthResult.Failed([PublicKey],
                $"Bastion: your MFA policy \"{user.MfaPolicy}\"{RequiredBy()} counts the security key's touch, and this key's {KeyOptionRules.NoTouchRequired} was not set by a Bastion administrator. " +
                $"Create the key without it (ssh-keygen -t ed25519-sk), or ask an administrator to add it with bastion key add.");
        }
        if (signature.SecurityKeyFlags is not { } flags || signature.SecurityKeyCounter is not { } counter)
        {
            await FailAsync(user.Name, PublicKey, "security-key signature without flags and counter", key).ConfigureAwait(false);
            return AuthResult.Failed([PublicKey]);
        }
        var assertion = new SecurityKeyAssertion(flags, counter);
        _state.SecurityKey = assertion;
        switch (SecurityKeyRules.Check(restrictions, assertion))
        {
            case SecurityKeyVerdict.PresenceMissing:
                await FailAsync(user.Name, PublicKey, $"security key signature without user presence ({assertion})", key).ConfigureAwait(false);
                return AuthResult.Failed([PublicKey], "Bastion: your security key did not confirm a touch. Touch the key when it blinks and try again.");
            case SecurityKeyVerdict.VerificationMissing:
                await FailAsync(user.Name, PublicKey, $"security key signature without user verification ({assertion}); key is verify-required", key).ConfigureAwait(false);
                return AuthResult.Failed([PublicKey], "Bastion: this security key requires PIN or biometric verification (verify-required). Set a PIN on the key and create it with ssh-keygen -O verify-required.");
        }
        if (await _context.Store.TryAdvanceSecurityKeyCounterAsync(stored.Id, counter, cancellationToken).ConfigureAwait(false))
        {
            return null;
        }
        var reject = _context.Options.Mfa.SecurityKeyCounterRegression != CounterRegressionMode.Warn;
        var data = KeyFields(key);
        data["counter"] = counter.ToString(CultureInfo.InvariantCulture);
        data["last_counter"] = stored.SecurityKeyCounter?.ToString(CultureInfo.InvariantCulture) ?? "";
        data["action"] = reject ? "rejected" : "warned";
        data["message"] = "possible cloned authenticator: the security-key counter did not increase";
        await _context.Audit.AppendAsync(_state.Event(AuditEventTypes.SecurityKeyCounterRegression, AuditSeverity.Critical, data, user.Name), cancellationToken).ConfigureAwait(false);
        if (!reject)
        {
            return null;
        }
        _context.RateLimiter.RecordFailure(user.Name, _state.RemoteAddress);
        return AuthResult.FailAndDisconnect("Bastion: this security key's signature counter went backwards, which can mean a cloned authenticator. The login is refused and security has been notified.");
    }

    public async ValueTask<KeyboardInteractiveStep> BeginKeyboardInteractiveAsync(string userName, CancellationToken cancellationToken)
    {
        if (_state.User is null || _state.VerifiedKey is null || _state.User.Name != userName)
        {
            return KeyboardInteractiveStep.Done(AuthResult.List([PublicKey],
                "Bastion: sign in with your SSH key first; the second factor comes after."));
        }
        var lockout = _context.RateLimiter.IsLockedOut(userName, _state.RemoteAddress);
        if (lockout.IsLockedOut)
        {
            return KeyboardInteractiveStep.Done(LockedOut(lockout.RetryAfter));
        }
        if (_state.User.MfaPolicy == MfaPolicies.KeyAndWebAuthn)
        {
            return await RequestApprovalAsync(_state.User, cancellationToken).ConfigureAwait(false);
        }
        return AskForCode();
    }

    /// <summary>
    /// Opens a browser approval request and tells the user where to approve it and which number to pick (policy
    /// key+webauthn). One per connection: a repeated keyboard-interactive request is told about the same one.
    /// </summary>
    private async ValueTask<KeyboardInteractiveStep> RequestApprovalAsync(User user, CancellationToken cancellationToken)
    {
        var lifetime = TimeSpan.FromSeconds(_context.Options.Mfa.WebApprovalSeconds);
        var approval = _state.Approval;
        if (approval is null)
        {
            var now = _context.Time.GetUtcNow();
            approval = await _context.Store.CreateLoginApprovalAsync(new LoginApproval(
                ApprovalCodes.New(), user.Name, _state.Remote is null ? "" : $"{_state.RemoteAddress}:{_state.Remote.Port}",
                _state.ClientVersion ?? "", now, now + lifetime, LoginApprovalState.Pending, null, null)
            {
                SessionId = _state.SessionId,
                KeyFingerprint = new SshPublicKey(_state.VerifiedKey!.PublicKeyBlob).Fingerprint,
                MatchNumber = ApprovalCodes.NewMatchNumber(),
            }, cancellationToken).ConfigureAwait(false);
            _state.Approval = approval;
            await _context.Audit.AppendAsync(_state.Event("auth.approval_requested", AuditSeverity.Info, new Dictionary<string, string>
            {
                ["approval"] = approval.Code,
                ["expires_at"] = approval.ExpiresAt.ToString("O", CultureInfo.InvariantCulture),
            }), cancellationToken).ConfigureAwait(false);
        }
        _state.PendingApproval = approval.Code;
        var url = $"{_context.Options.Admin.PublicUrl.TrimEnd('/')}/approve/{approval.Code}";
        var left = Math.Max(0, (int)(approval.ExpiresAt - _context.Time.GetUtcNow()).TotalSeconds);
        return KeyboardInteractiveStep.Notify("Bastion login approval",
            $"Approve this login in your browser within {left} s:\n  {url}\n" +
            $"On that page, pick the number {approval.MatchNumber}. This login comes from {_state.RemoteAddress} as the gateway sees it;\n" +
            "if the page shows another address or asks for another number, deny it.\n",
            lifetime + TimeSpan.FromSeconds(5));
    }

    /// <summary>How often a login waiting for its approval tells the terminal how long it has left.</summary>
    private static readonly TimeSpan CountdownPeriod = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Waits for the browser decision on the pending approval; the SSH login continues within a poll period of it.
    /// Every <see cref="CountdownPeriod"/> the terminal is told how long is left (another prompt-less request, which
    /// the client answers at once and which brings it back here).
    /// </summary>
    private async ValueTask<KeyboardInteractiveStep> AwaitApprovalAsync(User user, string code, CancellationToken cancellationToken)
    {
        _state.PendingApproval = null;
        var started = _context.Time.GetUtcNow();
        while (true)
        {
            var approval = await _context.Store.GetLoginApprovalAsync(code, cancellationToken).ConfigureAwait(false);
            if (approval is null)
            {
                return KeyboardInteractiveStep.Done(AuthResult.FailAndDisconnect("Bastion: the approval request disappeared; try again."));
            }
            switch (approval.State)
            {
                case LoginApprovalState.Approved:
                    _state.ApprovedBy = approval.DecidedBy;
                    return KeyboardInteractiveStep.Done(await SucceedAsync("webauthn-approval", null).ConfigureAwait(false));
                case LoginApprovalState.Denied:
                    _context.RateLimiter.RecordFailure(user.Name, _state.RemoteAddress);
                    await AuditFailureAsync(user.Name, KeyboardInteractive, $"login denied in the browser by {approval.DecidedBy}", null).ConfigureAwait(false);
                    return KeyboardInteractiveStep.Done(AuthResult.FailAndDisconnect(
                        "Bastion: this login was denied in the browser (a deny, or a wrong number picked). If that was not you, tell security."));
                case LoginApprovalState.Abandoned:
                    return KeyboardInteractiveStep.Done(AuthResult.FailAndDisconnect("Bastion: this approval request was cancelled; connect again for a new one."));
            }
            var now = _context.Time.GetUtcNow();
            if (approval.IsExpired(now))
            {
                await AuditFailureAsync(user.Name, KeyboardInteractive, "browser approval expired", null).ConfigureAwait(false);
                return KeyboardInteractiveStep.Done(AuthResult.FailAndDisconnect("Bastion: the approval request expired before it was approved; connect again for a new one."));
            }
            if (now - started >= CountdownPeriod)
            {
                _state.PendingApproval = code;
                return KeyboardInteractiveStep.Notify("",
                    $"Bastion: waiting for your approval in the browser (number {approval.MatchNumber}): {(int)(approval.ExpiresAt - now).TotalSeconds} s left.\n",
                    TimeSpan.Zero);
            }
            await Task.Delay(ApprovalPollPeriod, _context.Time, cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask<KeyboardInteractiveStep> ContinueKeyboardInteractiveAsync(string userName, IReadOnlyList<string> responses, CancellationToken cancellationToken)
    {
        var user = _state.User!;
        if (_state.PendingApproval is { } approvalCode)
        {
            return await AwaitApprovalAsync(user, approvalCode, cancellationToken).ConfigureAwait(false);
        }
        if (responses.Count != 1)
        {
            throw new Bastion.Ssh.Wire.SshProtocolException($"expected 1 keyboard-interactive response, got {responses.Count}");
        }
        var code = responses[0].Trim();
        var result = await _context.Totp.VerifyAsync(user, code, cancellationToken).ConfigureAwait(false);
        switch (result)
        {
            case TotpVerificationResult.Accepted:
                var kind = user.MfaPolicy == MfaPolicies.SecurityKeyAndTotp ? "fido+totp" : "totp";
                return KeyboardInteractiveStep.Done(await SucceedAsync(kind, null).ConfigureAwait(false));
            case TotpVerificationResult.Replayed:
                return await CodeRejectedAsync(userName, "TOTP code replayed",
                    "Bastion: that verification code was already used. Wait for your authenticator to show the next code.").ConfigureAwait(false);
            case TotpVerificationResult.NotEnrolled:
                return KeyboardInteractiveStep.Done(AuthResult.FailAndDisconnect($"Bastion: \"{user.Name}\" has no TOTP authenticator enrolled."));
            default:
                return await CodeRejectedAsync(userName, "wrong TOTP code",
                    "Bastion: wrong verification code. Check that your authenticator's clock is right and try the current code.").ConfigureAwait(false);
        }
    }

    /// <summary>A failure the protocol layer detected (bad signature, unsupported method).</summary>
    public async ValueTask RejectedAsync(string userName, string method, string reason)
    {
        var counts = reason.StartsWith("invalid signature", StringComparison.Ordinal);
        if (counts)
        {
            _context.RateLimiter.RecordFailure(userName, _state.RemoteAddress);
        }
        await AuditFailureAsync(userName, method, reason, null).ConfigureAwait(false);
    }

    private async ValueTask<KeyboardInteractiveStep> CodeRejectedAsync(string userName, string reason, string banner)
    {
        var lockout = _context.RateLimiter.RecordFailure(userName, _state.RemoteAddress);
        await AuditFailureAsync(userName, KeyboardInteractive, reason, null).ConfigureAwait(false);
        if (lockout.IsLockedOut)
        {
            await AuditLockoutAsync(userName, lockout.Reason).ConfigureAwait(false);
            return KeyboardInteractiveStep.Done(LockedOut(lockout.RetryAfter));
        }
        return KeyboardInteractiveStep.Done(AuthResult.Failed([KeyboardInteractive], banner));
    }

    private KeyboardInteractiveStep AskForCode() => KeyboardInteractiveStep.Ask(
        "Bastion two-factor authentication",
        $"Enter the 6-digit code from your authenticator app for {_state.User!.Name}.",
        new KeyboardInteractivePrompt(CodePrompt, Echo: false));

    private async ValueTask<AuthResult> SucceedAsync(string mfaKind, string? algorithm)
    {
        var user = _state.User!;
        var key = _state.VerifiedKey!;
        _state.MfaKind = mfaKind;
        _state.Authenticated = true;
        _context.RateLimiter.RecordSuccess(user.Name, _state.RemoteAddress);
        var data = KeyFields(new SshPublicKey(key.PublicKeyBlob));
        data["methods"] = mfaKind.Contains("totp", StringComparison.Ordinal) ? "publickey,keyboard-interactive" : "publickey";
        data["mfa"] = mfaKind;
        data["automation"] = user.IsAutomation ? "true" : "false";
        data["mfa_policy"] = user.MfaPolicy;
        if (_state.MfaPolicyGroup is { } group)
        {
            data["mfa_policy_group"] = group;
        }
        if (algorithm is not null)
        {
            data["algorithm"] = algorithm;
        }
        if (_state.ClientVersion is not null)
        {
            data["client_version"] = _state.ClientVersion;
        }
        await _context.Audit.AppendAsync(_state.Event(AuditEventTypes.AuthSuccess, user.IsAutomation ? AuditSeverity.Notice : AuditSeverity.Info, data)).ConfigureAwait(false);
        return AuthResult.Succeeded();
    }

    private async ValueTask FailAsync(string userName, string method, string reason, SshPublicKey? key, string? keyOption = null)
    {
        var lockout = _context.RateLimiter.RecordFailure(userName, _state.RemoteAddress);
        await AuditFailureAsync(userName, method, reason, key, keyOption).ConfigureAwait(false);
        if (lockout.IsLockedOut)
        {
            await AuditLockoutAsync(userName, lockout.Reason).ConfigureAwait(false);
        }
    }

    /// <summary><paramref name="keyOption"/>: the authorized_keys option that refused the login, when one did.</summary>
    private ValueTask AuditFailureAsync(string userName, string method, string reason, SshPublicKey? key, string? keyOption = null)
    {
        var data = key is null ? new Dictionary<string, string>() : KeyFields(key);
        data["method"] = method;
        data["reason"] = reason;
        if (keyOption is not null)
        {
            data["key_option"] = keyOption;
        }
        return _context.Audit.AppendAsync(_state.Event(AuditEventTypes.AuthFailure, AuditSeverity.Warning, data, userName));
    }

    private ValueTask AuditLockoutAsync(string userName, string? reason) =>
        _context.Audit.AppendAsync(_state.Event(AuditEventTypes.AuthLockout, AuditSeverity.Warning,
            new Dictionary<string, string> { ["reason"] = reason ?? "too many failures" }, userName));

    /// <summary>Key type and fingerprint, plus the security-key flags and counter when this login used one.</summary>
    private Dictionary<string, string> KeyFields(SshPublicKey key)
    {
        var data = new Dictionary<string, string>
        {
            ["key_type"] = key.KeyType,
            ["key_fingerprint"] = key.Fingerprint,
        };
        if (_state.SecurityKey is { } sk && SupportedKeyTypes.IsSecurityKey(key.KeyType))
        {
            data["sk_flags"] = $"0x{sk.Flags:x2}";
            data["sk_presence"] = sk.Presence ? "true" : "false";
            data["sk_verified"] = sk.Verified ? "true" : "false";
            data["sk_counter"] = sk.Counter.ToString(CultureInfo.InvariantCulture);
        }
        return data;
    }

    private static AuthResult LockedOut(TimeSpan retryAfter) =>
        AuthResult.FailAndDisconnect($"Bastion: too many failed attempts; logins for this account or address are paused. Try again in {Math.Ceiling(retryAfter.TotalMinutes)} min.");

    private async ValueTask<(User? User, SshKey? Key)> FindKeyAsync(string userName, SshPublicKey key, CancellationToken cancellationToken)
    {
        var user = await _context.Store.GetUserAsync(userName, cancellationToken).ConfigureAwait(false);
        if (user is null)
        {
            return (null, null);
        }
        var stored = await _context.Store.FindSshKeyAsync(key.Fingerprint, cancellationToken).ConfigureAwait(false);
        return stored is not null && stored.UserId == user.Id && stored.PublicKeyBlob.AsSpan().SequenceEqual(key.Blob) ? (user, stored) : (user, null);
    }
}
