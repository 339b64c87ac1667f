using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Bastion.Admin.Hosting;
using Bastion.Core.Store;
using Bastion.Hosting;
using Fido2NetLib;
using Fido2NetLib.Objects;
using Microsoft.AspNetCore.DataProtection;

namespace Bastion.Admin.WebAuthn;

/// <summary>What a ceremony is for; the verify step refuses a state made for another purpose.</summary>
public enum CeremonyPurpose
{
    Login,
    RegisterWithInvite,
    RegisterAnother,

    /// <summary>Approving one SSH login (policy key+webauthn); the state names the approval it is for.</summary>
    ApproveLogin,

    /// <summary>Confirming a signed-in session with a fresh assertion before a sensitive change (step-up).</summary>
    StepUp,
}

/// <summary>Server-side memory of a started ceremony, kept in an encrypted, five-minute, HttpOnly cookie.</summary>
/// <param name="Subject">What the ceremony is about when that matters to its verify step (the approval code).</param>
public sealed record CeremonyState(CeremonyPurpose Purpose, long UserId, string UserName, long InviteId, string Nickname, string OptionsJson, string Subject = "");

/// <summary>A failed ceremony, with a message safe to show (it never says whether a user exists).</summary>
public sealed class CeremonyException(string message, string? attemptedUser = null) : Exception(message)
{
    /// <summary>The user name the login was started for, when known (for rate limiting and the audit trail).</summary>
    public string? AttemptedUser { get; } = attemptedUser;
}

/// <summary>
/// WebAuthn registration and login with Fido2: attestation "none" and user verification "discouraged", so U2F
/// security keys and FIDO2 authenticators both work. The signature counter must increase on every login.
/// </summary>
public sealed partial class WebAuthnCeremonies
{
    private const string StateCookie = "bastion.webauthn";
    private static readonly TimeSpan StateLifetime = TimeSpan.FromMinutes(5);
    private readonly Fido2 _fido2;
    private readonly BastionContext _context;
    private readonly ITimeLimitedDataProtector _protector;
    private readonly AdminSettings _settings;
    private readonly byte[] _decoyKey;

    public WebAuthnCeremonies(Fido2 fido2, BastionContext context, IDataProtectionProvider protection, AdminSettings settings)
    {
        _fido2 = fido2;
        _context = context;
        _settings = settings;
        _protector = protection.CreateProtector("Bastion.Admin.WebAuthn.State").ToTimeLimitedDataProtector();
        _decoyKey = SHA256.HashData(protection.CreateProtector("Bastion.Admin.WebAuthn.Decoy").Protect(Encoding.UTF8.GetBytes("decoy")));
    }

    /// <summary>The WebAuthn user handle: the user id, 8 bytes big-endian (no personal data).</summary>
    public static byte[] UserHandle(long userId)
    {
        var handle = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(handle, userId);
        return handle;
    }

    /// <summary>Creation options for <paramref name="user"/>; existing credentials are excluded so a key is not registered twice.</summary>
    public async Task<string> StartRegistrationAsync(HttpContext http, User user, CeremonyPurpose purpose, long inviteId, string nickname, CancellationToken ct)
    {
        var existing = await _context.Store.ListWebAuthnCredentialsAsync(user.Id, ct);
        var options = _fido2.RequestNewCredential(new RequestNewCredentialParams
        {
            User = new Fido2User { Id = UserHandle(user.Id), Name = user.Name, DisplayName = user.Name },
            ExcludeCredentials = existing.Select(c => new PublicKeyCredentialDescriptor(c.CredentialId)).ToList(),
            AuthenticatorSelection = new AuthenticatorSelection
            {
                ResidentKey = ResidentKeyRequirement.Discouraged,
                UserVerification = UserVerificationRequirement.Discouraged,
            },
            AttestationPreference = AttestationConveyancePreference.None,
        });
        var json = options.ToJson();
        SaveState(http, new CeremonyState(purpose, user.Id, user.Name, inviteId, nickname, json));
        return json;
    }

    /// <summary>Verifies the browser's attestation against the saved options; returns the new credential (not yet stored).</summary>
    public async Task<(CeremonyState State, NewWebAuthnCredential Credential)> FinishRegistrationAsync(HttpContext http, CeremonyPurpose purpose, JsonElement body, CancellationToken ct)
    {
        var state = TakeState(http, purpose);
        var response = Deserialize<AuthenticatorAttestationRawResponse>(body);
        var options = CredentialCreateOptions.FromJson(state.OptionsJson);
        RegisteredPublicKeyCredential registered;
        try
        {
            registered = await _fido2.MakeNewCredentialAsync(new MakeNewCredentialParams
            {
                AttestationResponse = response,
                OriginalOptions = options,
                IsCredentialIdUniqueToUserCallback = async (args, token) => await _context.Store.FindWebAuthnCredentialAsync(args.CredentialId, token) is null,
            }, ct);
        }
        catch (Fido2VerificationException ex)
        {
            throw new CeremonyException($"the security key's answer did not verify: {ex.Message}");
        }
        return (state, new NewWebAuthnCredential(state.UserId, registered.Id, registered.PublicKey, registered.SignCount, state.Nickname)
        {
            AaGuid = registered.AaGuid,
            AttestationFormat = registered.AttestationFormat,
            Transports = registered.Transports is null ? "" : string.Join(",", registered.Transports.Select(t => t.ToString().ToLowerInvariant())),
        });
    }

    /// <summary>
    /// Request options for <paramref name="userName"/>. An unknown user (or one without keys) gets a decoy credential
    /// id derived from the name, so the answer does not reveal who exists; verification then fails like a wrong key.
    /// </summary>
    public async Task<string> StartLoginAsync(HttpContext http, string userName, CancellationToken ct)
    {
        var user = await _context.Store.GetUserAsync(userName, ct);
        var credentials = user is null || user.Disabled ? [] : await _context.Store.ListWebAuthnCredentialsAsync(user.Id, ct);
        var allowed = credentials.Count > 0
            ? credentials.Select(c => new PublicKeyCredentialDescriptor(c.CredentialId)).ToList()
            : [new PublicKeyCredentialDescriptor(HMACSHA256.HashData(_decoyKey, Encoding.UTF8.GetBytes(userName)))];
        var options = _fido2.GetAssertionOptions(new GetAssertionOptionsParams
        {
            AllowedCredentials = allowed,
            UserVerification = UserVerificationRequirement.Discouraged,
        });
        var json = options.ToJson();
        SaveState(http, new CeremonyState(CeremonyPurpose.Login, credentials.Count > 0 ? user!.Id : 0, userName, 0, "", json));
        return json;
    }

    /// <summary>
    /// Request options for approving <paramref name="approval"/>: its owner's keys, and a challenge that commits to
    /// the approval (code, SSH session, number) besides fresh randomness, so the signed client data names what was
    /// approved and no assertion made for another ceremony — the sign-in, another approval — verifies here.
    /// </summary>
    public async Task<string> StartApprovalAsync(HttpContext http, User owner, LoginApproval approval, CancellationToken ct)
    {
        var credentials = await _context.Store.ListWebAuthnCredentialsAsync(owner.Id, ct);
        if (credentials.Count == 0)
        {
            throw new CeremonyException("you have no security key registered; register one first", owner.Name);
        }
        var options = _fido2.GetAssertionOptions(new GetAssertionOptionsParams
        {
            AllowedCredentials = credentials.Select(c => new PublicKeyCredentialDescriptor(c.CredentialId)).ToList(),
            UserVerification = UserVerificationRequirement.Discouraged,
        });
        options.Challenge = ApprovalChallenge(approval, RandomNumberGenerator.GetBytes(16));
        var json = options.ToJson();
        SaveState(http, new CeremonyState(CeremonyPurpose.ApproveLogin, owner.Id, owner.Name, 0, "", json, approval.Code));
        return json;
    }

    /// <summary>The challenge of an approval ceremony: SHA-256 over a label, the approval's code, session and number, and a nonce.</summary>
    public static byte[] ApprovalChallenge(LoginApproval approval, byte[] nonce)
    {
        var bound = Encoding.UTF8.GetBytes($"bastion login approval\0{approval.Code}\0{approval.SessionId}\0{approval.MatchNumber}\0");
        return SHA256.HashData([.. bound, .. nonce]);
    }

    /// <summary>Verifies an assertion for the approval ceremony started for <paramref name="approval"/> (and no other).</summary>
    public Task<(User User, WebAuthnCredential Credential)> FinishApprovalAsync(HttpContext http, LoginApproval approval, JsonElement body, CancellationToken ct)
    {
        var state = TakeState(http, CeremonyPurpose.ApproveLogin);
        if (!string.Equals(state.Subject, approval.Code, StringComparison.Ordinal))
        {
            throw new CeremonyException("that security-key answer was made for another approval; start again from this page", state.UserName);
        }
        return VerifyAssertionAsync(state, body, ct);
    }

    /// <summary>
    /// Verifies an assertion for the user who started the login. Checks the signature, origin, RP id and challenge,
    /// then advances the stored counter atomically; a counter that did not increase is refused.
    /// </summary>
    public async Task<(User User, WebAuthnCredential Credential)> FinishLoginAsync(HttpContext http, JsonElement body, CancellationToken ct)
    {
        var state = TakeState(http, CeremonyPurpose.Login);
        return await VerifyAssertionAsync(state, body, ct);
    }

    private async Task<(User User, WebAuthnCredential Credential)> VerifyAssertionAsync(CeremonyState state, JsonElement body, CancellationToken ct)
    {
        var response = Deserialize<AuthenticatorAssertionRawResponse>(body);
        var credential = response.RawId is null ? null : await _context.Store.FindWebAuthnCredentialAsync(response.RawId, ct);
        var user = state.UserId == 0 ? null : await _context.Store.GetUserByIdAsync(state.UserId, ct);
        if (credential is null || user is null || credential.UserId != user.Id || user.Disabled)
        {
            throw new CeremonyException("unknown user or security key", state.UserName);
        }
        VerifyAssertionResult result;
        try
        {
            result = await _fido2.MakeAssertionAsync(new MakeAssertionParams
            {
                AssertionResponse = response,
                OriginalOptions = AssertionOptions.FromJson(state.OptionsJson),
                StoredPublicKey = credential.PublicKey,
                StoredSignatureCounter = (uint)credential.SignatureCounter,
                IsUserHandleOwnerOfCredentialIdCallback = (args, _) =>
                    Task.FromResult(args.UserHandle.AsSpan().SequenceEqual(UserHandle(credential.UserId))),
            }, ct);
        }
        catch (Fido2VerificationException ex)
        {
            throw new CeremonyException($"the security key's answer did not verify: {ex.Message}", state.UserName);
        }
        if (!await _context.Store.TryRecordWebAuthnUseAsync(credential.Id, result.SignCount, ct))
        {
            throw new CounterRegressionException(user, credential, result.SignCount);
        }
        return (user, credential);
    }

    private static T Deserialize<T>(JsonElement body)
    {
        try
        {
            return body.Deserialize<T>() ?? throw new CeremonyException("the browser sent no credential");
        }
        catch (JsonException)
        {
            throw new CeremonyException("the browser's answer is not a WebAuthn credential");
        }
    }

    private void SaveState(HttpContext http, CeremonyState state)
    {
        var payload = _protector.Protect(JsonSerializer.Serialize(state), StateLifetime);
        http.Response.Cookies.Append(StateCookie, payload, new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            Secure = _settings.IsHttps,
            Path = "/",
            MaxAge = StateLifetime,
            IsEssential = true,
        });
    }

    private CeremonyState TakeState(HttpContext http, CeremonyPurpose purpose)
    {
        var payload = http.Request.Cookies[StateCookie];
        http.Response.Cookies.Delete(StateCookie, new CookieOptions { Path = "/", SameSite = SameSiteMode.Strict, Secure = _settings.IsHttps });
        CeremonyState? state = null;
        try
        {
            state = payload is null ? null : JsonSerializer.Deserialize<CeremonyState>(_protector.Unprotect(payload));
        }
        catch (Exception ex) when (ex is CryptographicException or JsonException)
        {
            state = null;
        }
        if (state is null || state.Purpose != purpose)
        {
            throw new CeremonyException("the request expired or was not started here; try again");
        }
        return state;
    }
}

/// <summary>The authenticator's counter did not increase: a replayed assertion or a cloned key.</summary>
public sealed class CounterRegressionException(User user, WebAuthnCredential credential, uint counter)
    : Exception($"signature counter {counter} of security key \"{credential.Nickname}\" did not increase (stored {credential.SignatureCounter})")
{
    public User User { get; } = user;

    public WebAuthnCredential Credential { get; } = credential;
}
