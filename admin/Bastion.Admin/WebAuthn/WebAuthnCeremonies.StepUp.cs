using System.Text.Json;
using Bastion.Core.Store;
using Fido2NetLib;
using Fido2NetLib.Objects;

namespace Bastion.Admin.WebAuthn;

/// <summary>The step-up ceremony: a signed-in person confirms their session with a fresh assertion.</summary>
public sealed partial class WebAuthnCeremonies
{
    /// <summary>
    /// Request options for a step-up of the signed-in <paramref name="user"/>: any of their keys, and a challenge bound
    /// to this session's step-up (<see cref="StepUpChallenge"/>).
    /// </summary>
    public async Task<string> StartStepUpAsync(HttpContext http, User user, byte[] sessionTokenHash, CancellationToken ct)
    {
        var credentials = await _context.Store.ListWebAuthnCredentialsAsync(user.Id, ct);
        var options = _fido2.GetAssertionOptions(new GetAssertionOptionsParams
        {
            AllowedCredentials = credentials.Select(c => new PublicKeyCredentialDescriptor(c.CredentialId)).ToList(),
            UserVerification = UserVerificationRequirement.Discouraged,
        });
        options.Challenge = StepUpChallenge.Create(sessionTokenHash);
        var json = options.ToJson();
        SaveState(http, new CeremonyState(CeremonyPurpose.StepUp, user.Id, user.Name, 0, "", json));
        return json;
    }

    /// <summary>
    /// Verifies a step-up assertion: started by this user in this session (the challenge says so), signed by one of
    /// the user's keys (signature, origin, RP id, challenge), counter advanced. Returns the key used.
    /// </summary>
    public async Task<WebAuthnCredential> FinishStepUpAsync(HttpContext http, User user, byte[] sessionTokenHash, JsonElement body, CancellationToken ct)
    {
        var state = TakeState(http, CeremonyPurpose.StepUp);
        if (state.UserId != user.Id || !StepUpChallenge.IsFor(AssertionOptions.FromJson(state.OptionsJson).Challenge, sessionTokenHash))
        {
            throw new CeremonyException("this confirmation was started in another sign-in; reload the page and try again", user.Name);
        }
        var (_, credential) = await VerifyAssertionAsync(state, body, ct);
        return credential;
    }
}
