namespace Bastion.Ssh.Algorithms.HostKeys;

/// <summary>A server host key with its private half. Signs the exchange hash.</summary>
public abstract class HostKey : IDisposable
{
    /// <summary>The key type in the public key blob, e.g. "ssh-ed25519" or "ssh-rsa".</summary>
    public abstract string KeyType { get; }

    /// <summary>Signature algorithms this key can produce, preferred first (e.g. rsa-sha2-512, rsa-sha2-256).</summary>
    public abstract IReadOnlyList<string> SignatureAlgorithms { get; }

    /// <summary>The public key blob (RFC 4253 §6.6), as sent in KEX reply K_S.</summary>
    public abstract byte[] PublicKeyBlob { get; }

    /// <summary>Returns the full signature blob: string algorithm || string signature.</summary>
    public abstract byte[] Sign(string signatureAlgorithm, ReadOnlySpan<byte> data);

    /// <summary>"SHA256:base64-without-padding" like ssh-keygen -l.</summary>
    public string Fingerprint => PublicKeys.SshPublicKey.FingerprintOf(PublicKeyBlob);

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing) { }
}
