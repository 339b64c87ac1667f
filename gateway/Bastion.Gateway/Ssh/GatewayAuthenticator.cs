using System.Globalization;
using Bastion.Core.Audit;
using Bastion.Core.Keys;
using Bastion.Core.Mfa;
using Bastion.Core.Security;
using Bastion.Core.Store;
using Bastion.Hosting.Configuration;
using Bastion.Gateway.Hosting;
using Bastion.Ssh.Algorithms.PublicKeys;
using Bastion.Ssh.Authentication;
using Bastion.Ssh.Messages;

namespace Bastion.Gateway.Ssh;

/// <summary>
/// Decides authentication for one connection: the key must belong to an enabled user, then the user's MFA policy
/// says what else is needed (TOTP over keyboard-interactive by default; nothing more for automation accounts).
/// Every request that does not succeed counts toward the per-address budget (real guesses at an account toward the
/// user's too); the first failure of each method on a connection is audited, the rest are summed up at disconnect.
/// </summary>
public sealed class GatewayAuthenticator
{
    private const string PublicKey = "publickey";
    private const string KeyboardInteractive = "keyboard-interactive";
    private const string CodePrompt = "Verification code: ";

    private readonly BastionContext _context;
    private readonly ConnectionState _state;
    private readonly LoginFailures _failures;
    private readonly BrowserApproval _approval;
    private readonly Limits.ConnectionCaps? _caps;

    /// <param name="caps">The per-user caps a login must fit in before it succeeds; null: none (tests of auth alone).</param>
    public GatewayAuthenticator(BastionContext context, ConnectionState state, Limits.ConnectionCaps? caps = null)
    {
        _context = context;
        _state = state;
        _caps = caps;
        _failures = new LoginFailures(context, state);
        _approval = new BrowserApproval(context, state);
    }

    public async ValueTask<AuthResult> NoneAsync(string userName)
    {
        // Only what this node already knows (confirmed with the store if so): the first request of every login must not
        // cost a store round trip.
        var lockout = await _context.RateLimiter.EarlyCheckAsync(userName, _state.RemoteAddress).ConfigureAwait(false);
        if (lockout.IsLockedOut)
        {
            await CountAsync(userName, "none", AuthFailureReasons.LockedOut, null, forUser: false).ConfigureAwait(false);
            return LockedOut(lockout.RetryAfter);
        }
        if (_state.NoneSeen)
        {
            var status = await CountAsync(userName, "none", "\"none\" asked again", null, forUser: false).ConfigureAwait(false);
            if (status.IsLockedOut)
            {
                return LockedOut(status.RetryAfter);
            }
        }
        _state.NoneSeen = true;
        return AuthResult.List([PublicKey]);
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
        // Most clients only ever send this query for a key the server does not know: it is the failed attempt. Unknown
        // user and known user with another key are answered, counted and audited alike (only the reason differs, in
        // the trail), so neither the answer nor the time it takes tells who has an account.
        var status = await CountAsync(userName, PublicKey, user is null ? AuthFailureReasons.UnknownUser : AuthFailureReasons.KeyNotEnrolled, key, forUser: false)
            .ConfigureAwait(false);
        if (status.IsLockedOut)
        {
            // A query can only be answered "no"; end the connection so the client hears why instead of trying on.
            _state.Connection?.Close(LockoutMessage.For(status.RetryAfter));
        }
        return false;
    }

    public async ValueTask<AuthResult> PublicKeyAsync(string userName, SshPublicKey key, string algorithm, SignatureCheck signature, CancellationToken cancellationToken)
    {
        var lockout = await _context.RateLimiter.EarlyCheckAsync(userName, _state.RemoteAddress).ConfigureAwait(false);
        if (lockout.IsLockedOut)
        {
            await CountAsync(userName, PublicKey, AuthFailureReasons.LockedOut, key, forUser: false).ConfigureAwait(false);
            return LockedOut(lockout.RetryAfter);
        }
        var (user, stored) = await FindKeyAsync(userName, key, cancellationToken).ConfigureAwait(false);
        if (user is null || stored is null)
        {
            var status = await CountAsync(userName, PublicKey, user is null ? AuthFailureReasons.UnknownUser : AuthFailureReasons.KeyNotEnrolled, key, forUser: false)
                .ConfigureAwait(false);
            return status.IsLockedOut ? LockedOut(status.RetryAfter) : AuthResult.Failed([PublicKey]);
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
        // Its own critical event above is the record: counted, not audited twice.
        await CountAsync(user.Name, PublicKey, "security-key counter went backwards", key, forUser: true, itemize: false).ConfigureAwait(false);
        return AuthResult.FailAndDisconnect("Bastion: this security key's signature counter went backwards, which can mean a cloned authenticator. The login is refused and security has been notified.");
    }

    public async ValueTask<KeyboardInteractiveStep> BeginKeyboardInteractiveAsync(string userName, CancellationToken cancellationToken)
    {
        if (_state.User is null || _state.VerifiedKey is null || _state.User.Name != userName)
        {
            var status = await CountAsync(userName, KeyboardInteractive, "keyboard-interactive before the key", null, forUser: false).ConfigureAwait(false);
            return KeyboardInteractiveStep.Done(status.IsLockedOut
                ? LockedOut(status.RetryAfter)
                : AuthResult.List([PublicKey], "Bastion: sign in with your SSH key first; the second factor comes after."));
        }
        var lockout = await _context.RateLimiter.EarlyCheckAsync(userName, _state.RemoteAddress).ConfigureAwait(false);
        if (lockout.IsLockedOut)
        {
            await CountAsync(userName, KeyboardInteractive, AuthFailureReasons.LockedOut, null, forUser: false).ConfigureAwait(false);
            return KeyboardInteractiveStep.Done(LockedOut(lockout.RetryAfter));
        }
        if (_state.User.MfaPolicy == MfaPolicies.KeyAndWebAuthn)
        {
            return await _approval.RequestAsync(_state.User, cancellationToken).ConfigureAwait(false);
        }
        return AskForCode();
    }

    /// <summary>What a browser decision means for the login: the approval itself is <see cref="BrowserApproval"/>'s.</summary>
    private async ValueTask<KeyboardInteractiveStep> AwaitApprovalAsync(User user, string code, CancellationToken cancellationToken)
    {
        var (outcome, approval) = await _approval.AwaitAsync(code, cancellationToken).ConfigureAwait(false);
        switch (outcome)
        {
            case ApprovalOutcome.StillWaiting:
                return _approval.Waiting!;
            case ApprovalOutcome.Approved:
                _state.ApprovedBy = approval!.DecidedBy;
                return KeyboardInteractiveStep.Done(await SucceedAsync("webauthn-approval", null).ConfigureAwait(false));
            case ApprovalOutcome.Denied:
                await FailAsync(user.Name, KeyboardInteractive, $"login denied in the browser by {approval!.DecidedBy}", null).ConfigureAwait(false);
                return KeyboardInteractiveStep.Done(AuthResult.FailAndDisconnect(
                    "Bastion: this login was denied in the browser (a deny, or a wrong number picked). If that was not you, tell security."));
            case ApprovalOutcome.Abandoned:
                return KeyboardInteractiveStep.Done(AuthResult.FailAndDisconnect("Bastion: this approval request was cancelled; connect again for a new one."));
            case ApprovalOutcome.Expired:
                await CountAsync(user.Name, KeyboardInteractive, "browser approval expired", null, forUser: false).ConfigureAwait(false);
                return KeyboardInteractiveStep.Done(AuthResult.FailAndDisconnect("Bastion: the approval request expired before it was approved; connect again for a new one."));
            default:
                return KeyboardInteractiveStep.Done(AuthResult.FailAndDisconnect("Bastion: the approval request disappeared; try again."));
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
        // One guess per user at a time on this node, from the lockout check to the failure being counted: otherwise many
        // connections answering at once would all be checked before the lockout their failures start is known. Across
        // nodes, at most one guess per node can slip past that moment (see README, Security properties).
        return await _context.TotpGuesses.RunAsync(LoginSubjects.User(user.Name)!, () => CheckCodeAsync(user, userName, code, cancellationToken).AsTask(), cancellationToken)
            .ConfigureAwait(false);
    }

    private async ValueTask<KeyboardInteractiveStep> CheckCodeAsync(User user, string userName, string code, CancellationToken cancellationToken)
    {
        var lockout = await _context.RateLimiter.EarlyCheckAsync(userName, _state.RemoteAddress).ConfigureAwait(false);
        if (lockout.IsLockedOut)
        {
            await CountAsync(userName, KeyboardInteractive, AuthFailureReasons.LockedOut, null, forUser: false).ConfigureAwait(false);
            return KeyboardInteractiveStep.Done(LockedOut(lockout.RetryAfter));
        }
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

    /// <summary>
    /// A failure the protocol layer detected (bad signature, method or algorithm not offered). Only a bad signature is a
    /// guess at the account (someone holds its public key but not the private one); the rest count for the address.
    /// </summary>
    public async ValueTask RejectedAsync(string userName, string method, string reason)
    {
        var status = await CountAsync(userName, method, reason, null, forUser: reason.StartsWith("invalid signature", StringComparison.Ordinal)).ConfigureAwait(false);
        if (status.IsLockedOut)
        {
            _state.Connection?.Close(LockoutMessage.For(status.RetryAfter));
        }
    }

    private async ValueTask<KeyboardInteractiveStep> CodeRejectedAsync(string userName, string reason, string banner)
    {
        var lockout = await FailAsync(userName, KeyboardInteractive, reason, null).ConfigureAwait(false);
        return KeyboardInteractiveStep.Done(lockout.IsLockedOut ? LockedOut(lockout.RetryAfter) : AuthResult.Failed([KeyboardInteractive], banner));
    }

    private KeyboardInteractiveStep AskForCode() => KeyboardInteractiveStep.Ask(
        "Bastion two-factor authentication",
        $"Enter the 6-digit code from your authenticator app for {_state.User!.Name}.",
        new KeyboardInteractivePrompt(CodePrompt, Echo: false));

    private async ValueTask<AuthResult> SucceedAsync(string mfaKind, string? algorithm)
    {
        var user = _state.User!;
        var key = _state.VerifiedKey!;
        // The one store round trip rate limiting adds to a login, and the one that matters: checked here, right before
        // letting in, a lockout another node started while this login was under way (its code typed in parallel with
        // guesses elsewhere, say) holds. The earlier checks only refuse early what this node already knows.
        var lockout = await _context.RateLimiter.CheckAsync(user.Name, _state.RemoteAddress).ConfigureAwait(false);
        if (lockout.IsLockedOut)
        {
            var method = mfaKind.Contains("totp", StringComparison.Ordinal) || mfaKind == "webauthn-approval" ? KeyboardInteractive : PublicKey;
            await CountAsync(user.Name, method, AuthFailureReasons.LockedOut, null, forUser: false).ConfigureAwait(false);
            _state.User = null;
            _state.VerifiedKey = null;
            return LockedOut(lockout.RetryAfter);
        }
        // Last, right before letting in: a connection over the user's cap (Bastion:Limits) is refused with a sentence
        // that names it. Not an authentication failure: the credentials were good, so no lockout counts it.
        if (_caps is not null && await _caps.AdmitLoginAsync(user).ConfigureAwait(false) is { } capped)
        {
            _state.User = null;
            _state.VerifiedKey = null;
            return capped;
        }
        _state.MfaKind = mfaKind;
        _state.Authenticated = true;
        // Keys the agent offered before the enrolled one were this user's own: give the address its budget back.
        await _context.RateLimiter.ForgiveAsync(_state.RemoteAddress, _state.AuthFailures.Total).ConfigureAwait(false);
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

    /// <summary>A failed guess at the account (wrong code, bad signature, refused key of an enrolled user): counts for the user too.</summary>
    private ValueTask<LockoutStatus> FailAsync(string userName, string method, string reason, SshPublicKey? key, string? keyOption = null) =>
        CountAsync(userName, method, reason, key, forUser: true, keyOption: keyOption);

    /// <summary>Counts a request that did not succeed and audits it (see <see cref="LoginFailures.CountAsync"/>).</summary>
    private ValueTask<LockoutStatus> CountAsync(string userName, string method, string reason, SshPublicKey? key, bool forUser, bool itemize = true,
        string? keyOption = null) =>
        _failures.CountAsync(userName, method, reason, key is null ? null : KeyFields(key), forUser, itemize, keyOption);

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

    private static AuthResult LockedOut(TimeSpan retryAfter) => AuthResult.FailAndDisconnect(LockoutMessage.For(retryAfter));

    private async ValueTask<(User? User, SshKey? Key)> FindKeyAsync(string userName, SshPublicKey key, CancellationToken cancellationToken)
    {
        // Both lookups whether or not the user exists: an unknown name must cost the same store work as a known name
        // with someone else's key, or the answer's timing would tell which names have accounts.
        var user = await _context.Store.GetUserAsync(userName, cancellationToken).ConfigureAwait(false);
        var stored = await _context.Store.FindSshKeyAsync(key.Fingerprint, cancellationToken).ConfigureAwait(false);
        return user is not null && stored is not null && stored.UserId == user.Id && stored.PublicKeyBlob.AsSpan().SequenceEqual(key.Blob) ? (user, stored) : (user, null);
    }
}
