namespace Bastion.Ssh.Algorithms.PublicKeys;

/// <summary>
/// Verifies signatures made by one signature algorithm (the name in userauth "publickey" requests and in
/// server-sig-algs), e.g. "rsa-sha2-256", whose keys have blob type <see cref="KeyType"/> ("ssh-rsa").
/// </summary>
public abstract class PublicKeyAlgorithm
{
    public abstract string Name { get; }

    public abstract string KeyType { get; }

    /// <summary>
    /// Checks <paramref name="signatureBlob"/> (string algorithm || algorithm-specific fields) over
    /// <paramref name="signedData"/> with the key in <paramref name="publicKeyBlob"/>. Never throws for bad
    /// input: malformed keys or signatures give <see cref="SignatureCheck.Invalid"/>.
    /// </summary>
    public abstract SignatureCheck Verify(ReadOnlySpan<byte> publicKeyBlob, ReadOnlySpan<byte> signedData, ReadOnlySpan<byte> signatureBlob);
}

/// <summary>
/// Outcome of a signature check. Security-key algorithms also report the authenticator's flags and counter,
/// which the host's policy must judge (presence, verification, counter increase).
/// </summary>
public sealed record SignatureCheck(bool Valid, byte? SecurityKeyFlags = null, uint? SecurityKeyCounter = null)
{
    public static readonly SignatureCheck Invalid = new(false);
    public static readonly SignatureCheck Good = new(true);
}
