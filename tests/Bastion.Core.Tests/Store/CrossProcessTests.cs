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

        using var holder = StartSqlite(fixture.DatabasePath,
            "BEGIN IMMEDIATE;\nSELECT 'locked';\n.system sleep 1\nINSERT INTO access_rules (subject, target_pattern, effect, created_at) VALUES ('*', 'x', 'deny', '2030-01-01T00:00:00.0000000Z');\nCOMMIT;\n");
        Assert.Equal("locked", (await holder.StandardOutput.ReadLineAsync())?.Trim());

        var watch = Stopwatch.StartNew();
        var record = await trail.AppendNowAsync(new AuditEvent(AuditEventTypes.AdminUserAdded));
        watch.Stop();

        await holder.WaitForExitAsync();
        Assert.Equal(0, holder.ExitCode);
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
