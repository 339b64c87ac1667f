using System.Runtime.InteropServices;

namespace Bastion.Ssh.Algorithms.Native;

/// <summary>
/// The few libsodium primitives .NET lacks or that NSec does not expose in the shape SSH needs:
/// djb's original ChaCha20 (64-bit nonce and block counter, as chacha20-poly1305@openssh.com uses it),
/// raw one-time Poly1305, and raw X25519 scalar multiplication. The native library comes with the
/// libsodium NuGet package that NSec depends on.
/// </summary>
internal static unsafe partial class LibSodium
{
    private const string Library = "libsodium";

    internal const int ChaCha20KeyBytes = 32;
    internal const int ChaCha20NonceBytes = 8;
    internal const int Poly1305KeyBytes = 32;
    internal const int Poly1305TagBytes = 16;
    internal const int X25519Bytes = 32;

    // sodium_init picks the fastest implementations for this CPU; it is idempotent and thread-safe, and
    // NSec calls it too, but nothing here may run before it has.
    static LibSodium()
    {
        if (sodium_init() < 0)
        {
            throw new InvalidOperationException("libsodium failed to initialize");
        }
    }

    [LibraryImport(Library)]
    private static partial int sodium_init();

    /// <summary>Encrypts (XORs) with ChaCha20 starting at block <paramref name="ic"/>. In-place (c == m) is allowed.</summary>
    [LibraryImport(Library)]
    internal static partial int crypto_stream_chacha20_xor_ic(byte* c, byte* m, ulong mlen, byte* n, ulong ic, byte* k);

    /// <summary>Writes ChaCha20 keystream starting at block 0.</summary>
    [LibraryImport(Library)]
    internal static partial int crypto_stream_chacha20(byte* c, ulong clen, byte* n, byte* k);

    [LibraryImport(Library)]
    internal static partial int crypto_onetimeauth_poly1305(byte* @out, byte* @in, ulong inlen, byte* k);

    /// <summary>Returns 0 when the tag matches; the comparison is constant-time.</summary>
    [LibraryImport(Library)]
    internal static partial int crypto_onetimeauth_poly1305_verify(byte* h, byte* @in, ulong inlen, byte* k);

    /// <summary>Returns -1 when the result is all zeros (the peer sent a low-order point).</summary>
    [LibraryImport(Library)]
    internal static partial int crypto_scalarmult_curve25519(byte* q, byte* n, byte* p);

    [LibraryImport(Library)]
    internal static partial int crypto_scalarmult_curve25519_base(byte* q, byte* n);
}
