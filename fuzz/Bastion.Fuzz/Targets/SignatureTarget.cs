using System.Buffers.Binary;
using Bastion.Ssh.Algorithms;
using Bastion.Ssh.Algorithms.PublicKeys;
using Bastion.Ssh.Wire;

namespace Bastion.Fuzz.Targets;

/// <summary>
/// Signature verification for every public key algorithm the server accepts, sk-ecdsa and sk-ed25519 (security keys)
/// included, plus the security-key blob reader. Input: byte algorithm index, uint16 length + public key blob, uint16
/// length + signed data, then the signature blob. Verify is documented never to throw for bad input.
/// </summary>
internal sealed class SignatureTarget : IFuzzTarget
{
    private static readonly IReadOnlyList<PublicKeyAlgorithm> Algorithms = AlgorithmTable.Default.PublicKeys;

    public void Run(byte[] input)
    {
        if (input.Length < 1)
        {
            return;
        }
        var algorithm = Algorithms[input[0] % Algorithms.Count];
        var rest = input.AsSpan(1);
        var blob = Take(ref rest);
        var signedData = Take(ref rest);
        var check = algorithm.Verify(blob, signedData, rest);
        if (check.Valid && check.SecurityKeyFlags is null != !SecurityKeyBlob.IsSecurityKeyType(algorithm.KeyType))
        {
            throw new InvalidOperationException($"{algorithm.Name}: a valid signature {(check.SecurityKeyFlags is null ? "without" : "with")} security-key flags");
        }
        var readable = SecurityKeyBlob.TryReadApplication(blob, out var application);
        try
        {
            var read = SecurityKeyBlob.ReadApplication(blob);
            if (!readable || read != application)
            {
                throw new InvalidOperationException("ReadApplication accepted a blob TryReadApplication refused, or read another application");
            }
        }
        catch (FormatException) when (!readable)
        {
            // Documented: not a well-formed security-key public key.
        }
        try
        {
            _ = new SshPublicKey(blob.ToArray()).Fingerprint;
        }
        catch (SshProtocolException)
        {
            // Documented: the blob does not start with a key type string.
        }
    }

    private static ReadOnlySpan<byte> Take(ref Span<byte> rest)
    {
        if (rest.Length < 2)
        {
            rest = [];
            return [];
        }
        var length = Math.Min(BinaryPrimitives.ReadUInt16BigEndian(rest), rest.Length - 2);
        var field = rest.Slice(2, length);
        rest = rest[(2 + length)..];
        return field;
    }
}
