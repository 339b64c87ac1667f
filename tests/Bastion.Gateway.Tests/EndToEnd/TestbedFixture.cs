using System.Security.Cryptography;
using Bastion.Gateway.Tests.Infrastructure;

namespace Bastion.Gateway.Tests.EndToEnd;

/// <summary>One <see cref="BastionTestbed"/> (sshd target + gateway, each on its own loopback alias) per test class.
/// Tests add their own users, so they never share TOTP codes.</summary>
public class TestbedFixture : IAsyncLifetime
{
    private BastionTestbed? _bed;

    /// <summary>The running testbed.</summary>
    public BastionTestbed Bed => _bed ?? throw new InvalidOperationException("testbed not started");

    /// <inheritdoc />
    public virtual async Task InitializeAsync() => _bed = await BastionTestbed.StartAsync(ServeArguments);

    /// <summary>Extra <c>serve</c> arguments of this fixture's gateway.</summary>
    protected virtual string[] ServeArguments => [];

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (_bed is not null)
        {
            await _bed.DisposeAsync();
        }
    }
}

/// <summary>A testbed whose gateway offers every key exchange it implements, including the sntrup761 hybrids that are off by default.</summary>
public sealed class AllKexTestbedFixture : TestbedFixture
{
    protected override string[] ServeArguments =>
        Bastion.Ssh.Algorithms.AlgorithmTable.Default.KeyExchanges.Select((k, i) => $"--Bastion:Ssh:KexAlgorithms:{i}={k.Name}").ToArray();
}

/// <summary>Helpers shared by the end-to-end tests.</summary>
internal static class EndToEndFiles
{
    /// <summary>Writes <paramref name="bytes"/> of random data to <paramref name="path"/> (1 MiB chunks); returns its SHA-256 (hex).</summary>
    public static async Task<string> WriteRandomFileAsync(string path, long bytes)
    {
        var buffer = new byte[1024 * 1024];
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        await using var file = File.Create(path);
        for (long written = 0; written < bytes; written += buffer.Length)
        {
            var n = (int)Math.Min(buffer.Length, bytes - written);
            RandomNumberGenerator.Fill(buffer.AsSpan(0, n));
            sha.AppendData(buffer, 0, n);
            await file.WriteAsync(buffer.AsMemory(0, n));
        }

        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    /// <summary>SHA-256 (hex) of a file, or "(missing)".</summary>
    public static async Task<string> Sha256Async(string path)
    {
        if (!File.Exists(path))
        {
            return "(missing)";
        }

        await using var file = File.OpenRead(path);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(file));
    }
}
