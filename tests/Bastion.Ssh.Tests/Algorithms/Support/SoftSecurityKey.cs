using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;

namespace Bastion.Ssh.Tests.Algorithms.Support;

/// <summary>
/// A software FIDO authenticator for the real OpenSSH tools: compiles tests/fixtures/sk-provider/soft_sk.c into a
/// private temp directory and drives ssh-keygen / ssh with it. Each instance has its own provider copy, keys and
/// signature counter, so tests stay independent. Self-contained (no test-framework types) so other test projects
/// can link this file together with the C source:
/// <c>&lt;Compile Include="../Bastion.Ssh.Tests/Algorithms/Support/SoftSecurityKey.cs" /&gt;</c> and
/// <c>&lt;None Include="../fixtures/sk-provider/**" LinkBase="fixtures/sk-provider" CopyToOutputDirectory="PreserveNewest" /&gt;</c>.
/// </summary>
/// <remarks>
/// ssh ignores SSH_SK_PROVIDER on Debian: pass <see cref="SshOptions"/> (-o SecurityKeyProvider=/abs/path).
/// The switches (<see cref="NoPresence"/>, <see cref="UserVerified"/>, <see cref="ForcedCounter"/>) travel as
/// environment variables: ssh and ssh-keygen fork+exec ssh-sk-helper with their own environment, and the helper
/// loads the provider, so start every ssh / ssh-keygen through <see cref="ApplyEnvironment"/> or <see cref="Run"/>.
/// An ssh-agent would use the environment it was started with instead.
/// </remarks>
public sealed class SoftSecurityKey : IDisposable
{
    public const string EcdsaKeyType = "ecdsa-sk";
    public const string Ed25519KeyType = "ed25519-sk";

    private static readonly string[] SwitchVariables = ["SOFT_SK_COUNTER_FILE", "SOFT_SK_COUNTER", "SOFT_SK_NO_PRESENCE", "SOFT_SK_UV"];

    /// <summary>Compiles the provider (needs cc and libssl-dev) from <paramref name="sourcePath"/> or the copy next to the test binaries.</summary>
    public SoftSecurityKey(string? sourcePath = null)
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("soft-sk-").FullName;
        ProviderPath = Path.Combine(Directory, "soft_sk.so");
        CounterFile = Path.Combine(Directory, "soft_sk.counter");
        Compile(sourcePath ?? FindSource(), ProviderPath);
    }

    /// <summary>Private temp directory holding the provider, the counter and keys made by <see cref="GenerateKey"/>.</summary>
    public string Directory { get; }

    /// <summary>Absolute path of the compiled provider (OpenSSH refuses relative provider paths).</summary>
    public string ProviderPath { get; }

    /// <summary>Where the signature counter persists between ssh-sk-helper processes (SOFT_SK_COUNTER_FILE).</summary>
    public string CounterFile { get; }

    /// <summary>Signatures report no user presence (flag 0x01 cleared), as if nobody touched the key.</summary>
    public bool NoPresence { get; set; }

    /// <summary>Signatures report user verification (flag 0x04), as if a PIN or fingerprint was checked.</summary>
    public bool UserVerified { get; set; }

    /// <summary>Next signature uses this counter (and later ones continue from it): a rewound or cloned authenticator.</summary>
    public uint? ForcedCounter { get; set; }

    /// <summary>The ssh options that select this provider: -o SecurityKeyProvider=/abs/soft_sk.so.</summary>
    public string[] SshOptions => ["-o", "SecurityKeyProvider=" + ProviderPath];

    /// <summary>The counter of the last signature (0 before the first one).</summary>
    public uint StoredCounter =>
        File.Exists(CounterFile) && uint.TryParse(File.ReadAllText(CounterFile).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            ? value
            : 0;

    /// <summary>The variables the provider reads; null means "remove from the inherited environment".</summary>
    public IReadOnlyDictionary<string, string?> Environment => new Dictionary<string, string?>
    {
        ["SOFT_SK_COUNTER_FILE"] = CounterFile,
        ["SOFT_SK_COUNTER"] = ForcedCounter?.ToString(CultureInfo.InvariantCulture),
        ["SOFT_SK_NO_PRESENCE"] = NoPresence ? "1" : null,
        ["SOFT_SK_UV"] = UserVerified ? "1" : null,
    };

    /// <summary>Sets the provider's switches on a process about to run ssh / ssh-keygen (and clears inherited ones).</summary>
    public void ApplyEnvironment(ProcessStartInfo start)
    {
        foreach (var name in SwitchVariables)
        {
            start.Environment.Remove(name);
        }
        foreach (var (name, value) in Environment)
        {
            if (value is not null)
            {
                start.Environment[name] = value;
            }
        }
    }

    /// <summary>
    /// ssh-keygen -q -t ecdsa-sk|ed25519-sk -w provider -N '' -f DIR/name; returns the private key path (public: PATH.pub).
    /// The key file holds the provider's key handle, which for this fixture contains the private key itself.
    /// </summary>
    public string GenerateKey(string type = EcdsaKeyType, string? name = null, string comment = "soft-sk@bastion")
    {
        if (type is not (EcdsaKeyType or Ed25519KeyType))
        {
            throw new ArgumentException($"key type must be {EcdsaKeyType} or {Ed25519KeyType}, not {type}", nameof(type));
        }
        var path = Path.Combine(Directory, name ?? "id_" + type.Replace('-', '_') + "_" + Guid.NewGuid().ToString("N")[..8]);
        RunChecked("ssh-keygen", "-q", "-t", type, "-w", ProviderPath, "-N", "", "-C", comment, "-f", path);
        return path;
    }

    /// <summary>ssh-keygen -Y sign -w provider -f key -n namespace; returns the armored SSHSIG signature.</summary>
    public string SignWithSshKeygen(string privateKeyPath, byte[] message, string signatureNamespace = "test")
    {
        var file = Path.Combine(Directory, "message-" + Guid.NewGuid().ToString("N"));
        File.WriteAllBytes(file, message);
        RunChecked("ssh-keygen", "-Y", "sign", "-w", ProviderPath, "-f", privateKeyPath, "-n", signatureNamespace, file);
        return File.ReadAllText(file + ".sig");
    }

    /// <summary>Runs a tool (ssh, ssh-keygen, …) with this provider's environment; stdin is closed.</summary>
    public (int ExitCode, string Stdout, string Stderr) Run(string tool, params string[] arguments)
    {
        var start = new ProcessStartInfo(tool)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        ApplyEnvironment(start);
        return Execute(start, $"'{tool}' (install openssh-client)");
    }

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a leftover temp directory must not fail the test.
        }
    }

    /// <summary>The C source: copied next to the test binaries by the test project, else found in the source tree.</summary>
    public static string FindSource()
    {
        const string relative = "fixtures/sk-provider/soft_sk.c";
        var copied = Path.Combine(AppContext.BaseDirectory, relative);
        if (File.Exists(copied))
        {
            return copied;
        }
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", relative);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        throw new FileNotFoundException(
            $"soft_sk.c not found in {copied} nor in a tests/{relative} above it; add to the test project: " +
            "<None Include=\"../fixtures/sk-provider/**\" LinkBase=\"fixtures/sk-provider\" CopyToOutputDirectory=\"PreserveNewest\" />");
    }

    private static void Compile(string source, string output)
    {
        var start = new ProcessStartInfo("cc") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var argument in new[] { "-shared", "-fPIC", "-O2", "-o", output, source, "-lcrypto" })
        {
            start.ArgumentList.Add(argument);
        }
        var (exitCode, stdout, stderr) = Execute(start, "a C compiler 'cc' (apt-get install -y gcc)");
        if (exitCode != 0)
        {
            var hint = stderr.Contains("openssl/", StringComparison.Ordinal) || stderr.Contains("-lcrypto", StringComparison.Ordinal)
                ? "the OpenSSL headers/library are missing: apt-get install -y libssl-dev"
                : "see the compiler output";
            throw new InvalidOperationException($"compiling the software FIDO provider {source} failed ({hint}):\n{stderr}{stdout}");
        }
    }

    private void RunChecked(string tool, params string[] arguments)
    {
        var (exitCode, stdout, stderr) = Run(tool, arguments);
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"{tool} {string.Join(' ', arguments)} exited with {exitCode}: {stderr}{stdout}");
        }
    }

    private static (int ExitCode, string Stdout, string Stderr) Execute(ProcessStartInfo start, string whatToInstall)
    {
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {start.FileName}");
        }
        catch (Win32Exception ex)
        {
            throw new InvalidOperationException($"the software FIDO key needs {whatToInstall} on PATH: {ex.Message}", ex);
        }
        using (process)
        {
            process.StandardInput.Close();
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(60_000))
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"{start.FileName} {string.Join(' ', start.ArgumentList)} did not finish within 60 s");
            }
            return (process.ExitCode, stdout.Result, stderr.Result);
        }
    }
}
