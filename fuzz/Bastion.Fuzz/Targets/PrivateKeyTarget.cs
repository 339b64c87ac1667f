using System.Text;
using Bastion.Ssh.Algorithms.HostKeys;

namespace Bastion.Fuzz.Targets;

/// <summary>
/// The OpenSSH private key file ("openssh-key-v1") reader used for host keys. First byte even: the rest is the file's
/// text; odd: the rest is the decoded key body, which the harness armors (base64 between the BEGIN/END lines) so the
/// fuzzer works on the binary structure. Rejection is <see cref="InvalidDataException"/>.
/// </summary>
internal sealed class PrivateKeyTarget : IFuzzTarget
{
    public void Run(byte[] input)
    {
        if (input.Length == 0)
        {
            return;
        }
        var text = (input[0] & 1) == 0 ? Encoding.UTF8.GetString(input, 1, input.Length - 1) : Armor(input.AsSpan(1));
        try
        {
            using var key = OpenSshPrivateKeyFormat.Decode(text);
            _ = key.PublicKeyBlob;
            _ = key.Fingerprint;
        }
        catch (InvalidDataException)
        {
            // Documented: not a key, corrupt, or a kind we do not load.
        }
    }

    public static string Armor(ReadOnlySpan<byte> body) =>
        "-----BEGIN OPENSSH PRIVATE KEY-----\n" + Convert.ToBase64String(body, Base64FormattingOptions.InsertLineBreaks) + "\n-----END OPENSSH PRIVATE KEY-----\n";
}
