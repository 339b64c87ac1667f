using System.ComponentModel;
using System.Diagnostics;
using Bastion.Core.Audit;
using Bastion.Core.Tests.Support;

namespace Bastion.Core.Tests.Store;

/// <summary>
/// A real second process (the sqlite3 shell) holds the write lock while the store writes: the store must wait
/// for it (busy_timeout) rather than fail, as the gateway must while the CLI commits.
/// </summary>
public sealed class CrossProcessTests
{
    [Fact]
    public async Task Writes_wait_for_another_process_holding_the_write_lock()
    {
        await using var fixture = await StoreFixture.CreateAsync();
        var trail = new AuditTrail(fixture.Store, timeProvider: fixture.Time);
        await trail.AppendNowAsync(new AuditEvent(AuditEventTypes.AuditVerified));

        // .bail: "locked" is printed only once BEGIN IMMEDIATE holds the lock; without it the shell goes on after a
        // failed BEGIN, prints "locked" anyway and fails at COMMIT (the likely cause of an exit code 1 seen once in a
        // loaded full run, with no message: stderr is kept now). .timeout: the shell waits for a lock the store may
        // still hold briefly after the first append instead of failing at once.
        using var holder = StartSqlite(fixture.DatabasePath,
            ".bail on\n.timeout 10000\nBEGIN IMMEDIATE;\nSELECT 'locked';\n.system sleep 1\nINSERT INTO access_rules (subject, target_pattern, effect, created_at) VALUES ('*', 'x', 'deny', '2030-01-01T00:00:00.0000000Z');\nCOMMIT;\n");
        var stderr = holder.StandardError.ReadToEndAsync();
        if ((await holder.StandardOutput.ReadLineAsync())?.Trim() != "locked")
        {
            Assert.Fail("the sqlite3 shell did not take the write lock: " + await stderr);
        }

        var watch = Stopwatch.StartNew();
        var record = await trail.AppendNowAsync(new AuditEvent(AuditEventTypes.AdminUserAdded));
        watch.Stop();

        await holder.WaitForExitAsync();
        Assert.True(holder.ExitCode == 0, $"the sqlite3 shell failed ({holder.ExitCode}): {await stderr}");
        Assert.Equal(2, record.Seq);
        Assert.True(watch.Elapsed > TimeSpan.FromMilliseconds(500), $"the append did not wait for the lock ({watch.Elapsed})");
        Assert.Single(await fixture.Store.ListAccessRulesAsync());
        Assert.True((await trail.VerifyAsync()).Ok);
    }

    private static Process StartSqlite(string databasePath, string script)
    {
        var start = new ProcessStartInfo("sqlite3")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(databasePath);
        try
        {
            var process = Process.Start(start) ?? throw new InvalidOperationException("sqlite3 did not start");
            process.StandardInput.Write(script);
            process.StandardInput.Close();
            return process;
        }
        catch (Win32Exception ex)
        {
            throw new InvalidOperationException("sqlite3 is required by this test but was not found on PATH; install it (apt-get install sqlite3)", ex);
        }
    }
}
