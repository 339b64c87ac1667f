using Bastion.Gateway.Tests.Infrastructure;

namespace Bastion.Gateway.Tests.Service;

/// <summary>
/// The gateway unit leaves MemoryDenyWriteExecute off. This checks the reason on the real runtime: under the
/// seccomp rules systemd installs for MemoryDenyWriteExecute=yes (reproduced by tests/fixtures/mdwe/mdwe_exec.c,
/// since tests cannot start units), the .NET runtime dies at start-up, with and without its W^X mode, because it
/// mprotects its stub pages to PROT_EXEC. If a future runtime survives this test, it fails: turn the setting on.
/// </summary>
public sealed class MemoryDenyWriteExecuteTests
{
    [Fact]
    public async Task The_runtime_cannot_start_under_MemoryDenyWriteExecute_so_the_unit_leaves_it_off()
    {
        ProcessRunner.RequireTool("/usr/bin/cc", "gcc");
        using var dir = new TempDirectory();
        var wrapper = Path.Combine(dir.Path, "mdwe_exec");
        var source = Path.Combine(RepositoryRoot.Path, "tests", "fixtures", "mdwe", "mdwe_exec.c");
        (await ProcessRunner.RunAsync("/usr/bin/cc", "-O2", "-Wall", "-Werror", "-o", wrapper, source)).EnsureSuccess("compiling mdwe_exec.c");

        // The filter does what systemd's does: a plain program runs, a writable+executable mapping is refused.
        (await ProcessRunner.RunAsync(wrapper, "/bin/true")).EnsureSuccess("mdwe_exec /bin/true");
        var wx = await ProcessRunner.RunAsync(wrapper, "/usr/bin/python3", "-c", "import mmap; mmap.mmap(-1, 4096, prot=7)");
        Assert.Contains("Operation not permitted", wx.StandardError, StringComparison.Ordinal);

        var dll = GatewayBinary.RequireBastionDll();
        foreach (var writeXorExecute in new[] { "1", "0" })
        {
            var run = await ProcessRunner.RunAsync(new ProcessSpec(wrapper, [GatewayBinary.DotnetHost, dll, "--version"])
            {
                Environment = new Dictionary<string, string?> { ["DOTNET_EnableWriteXorExecute"] = writeXorExecute },
                Timeout = TimeSpan.FromSeconds(60),
            });
            Console.WriteLine($"DOTNET_EnableWriteXorExecute={writeXorExecute} under MemoryDenyWriteExecute: exit {run.ExitCode}");
            Assert.False(run.Succeeded, $"the runtime now starts under MemoryDenyWriteExecute (W^X={writeXorExecute}); enable it in systemd/bastion-gateway.service\n{run.Describe()}");
            // 128 + SIGSEGV: the refused mprotect, not some unrelated start-up failure.
            Assert.True(run.ExitCode == 139, $"expected a SIGSEGV from the refused mprotect\n{run.Describe()}");
        }

        var unit = await File.ReadAllTextAsync(Path.Combine(RepositoryRoot.Path, "systemd", "bastion-gateway.service"));
        Assert.DoesNotContain("MemoryDenyWriteExecute=yes", unit, StringComparison.Ordinal);
    }
}
