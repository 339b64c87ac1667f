using System.Security.Cryptography;
using Bastion.Gateway.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Bastion.Gateway.Tests.Failures;

/// <summary>Gateway for <see cref="MalformedInputTests"/>: unauthenticated connections get 2 s (LoginGraceTime).</summary>
public sealed class MalformedInputFixture : TestBedFixture
{
    /// <inheritdoc />
    /// <remarks>Every case comes from 127.0.0.1 and one test runs them all at once: no per-source limit here.</remarks>
    protected override IEnumerable<string> ServeArgs => ["--Bastion:Ssh:LoginGraceTimeSeconds=2", "--Bastion:Ssh:MaxUnauthenticatedPerSource=0"];
}

/// <summary>One kind of bad client: what it sends, and the reason the gateway should give when it hangs up.</summary>
/// <param name="Send">Writes the bad input on a fresh connection.</param>
/// <param name="ExpectedReason">Part of the reason audited in the disconnect event (and sent in SSH_MSG_DISCONNECT).</param>
/// <param name="Stall">The client stops talking: the gateway must end it after the login grace time, not at once.</param>
public sealed record MalformedCase(Func<RawSshConnection, Task> Send, string ExpectedReason, bool Stall = false)
{
    /// <summary>Every case, by name.</summary>
    public static IReadOnlyDictionary<string, MalformedCase> All { get; } = new Dictionary<string, MalformedCase>(StringComparer.Ordinal)
    {
        ["truncated packet then close"] = new(async c =>
        {
            await c.SendIdentificationAsync();
            await c.SendAsync(RawSshConnection.RawPacket(100, 4, RandomNumberGenerator.GetBytes(20))); // 25 of 104 bytes
            c.ShutdownSend();
        }, "connection closed in the middle of a packet"),
        ["absurd packet length 0xFFFFFFF0"] = new(async c =>
        {
            await c.SendIdentificationAsync();
            await c.SendAsync(RawSshConnection.RawPacket(0xFFFFFFF0, 4, RandomNumberGenerator.GetBytes(64 * 1024)));
        }, "packet length 4294967280 is outside 5..262144"),
        ["packet length not a multiple of the block size"] = new(async c =>
        {
            await c.SendIdentificationAsync();
            await c.SendAsync(RawSshConnection.RawPacket(13, 4, [RawSshConnection.MsgKexInit, .. RandomNumberGenerator.GetBytes(11)])); // 4 + 13 = 17
        }, "packet length 13 is not a multiple of the cipher block size 8"),
        ["padding shorter than 4 bytes"] = new(async c =>
        {
            await c.SendIdentificationAsync();
            await c.SendAsync(RawSshConnection.RawPacket(12, 2, [2, .. RandomNumberGenerator.GetBytes(10)])); // IGNORE + 2 bytes padding
        }, "invalid padding length 2"),
        ["garbage lines instead of an identification"] = new(
            c => c.SendTextAsync(string.Concat(Enumerable.Repeat("GET / HTTP/1.1\r\n", 25))),
            "no SSH identification line within the first 20 lines"),
        ["NUL byte in the identification line"] = new(c => c.SendTextAsync("SSH-2.0-te\0st\r\n"), "identification line contains a NUL byte"),
        ["SSH-1.5 version"] = new(c => c.SendIdentificationAsync("SSH-1.5-test"), "protocol version not supported"),
        ["300-byte line without newline"] = new(c => c.SendTextAsync("SSH-2.0-" + new string('A', 292)), "identification line longer than 255 bytes"),
        ["SERVICE_REQUEST before KEXINIT"] = new(async c =>
        {
            await c.SendIdentificationAsync();
            await c.SendPacketAsync(RawSshConnection.ServiceRequest());
        }, "message 5 received before the first key exchange finished"),
        ["CHANNEL_OPEN before KEXINIT"] = new(async c =>
        {
            await c.SendIdentificationAsync();
            await c.SendPacketAsync(RawSshConnection.ChannelOpenSession());
        }, "message 90 received before the first key exchange finished"),
        ["SERVICE_REQUEST during the key exchange"] = new(async c =>
        {
            await c.SendIdentificationAsync();
            await c.SendPacketAsync(RawSshConnection.KexInit(strictKex: false));
            await c.SendPacketAsync(RawSshConnection.ServiceRequest());
        }, "message 5 received before the first key exchange finished"),
        ["SERVICE_REQUEST during a strict key exchange"] = new(async c =>
        {
            await c.SendIdentificationAsync();
            await c.SendPacketAsync(RawSshConnection.KexInit(strictKex: true));
            await c.SendPacketAsync(RawSshConnection.ServiceRequest());
        }, "strict key exchange: message 5 is not allowed during the initial key exchange"),
        ["NEWKEYS before KEX_ECDH_INIT"] = new(async c =>
        {
            await c.SendIdentificationAsync();
            await c.SendPacketAsync(RawSshConnection.KexInit(strictKex: true));
            await c.SendPacketAsync(RawSshConnection.NewKeys());
        }, "NEWKEYS received before the key exchange reply"),
        ["KEX_ECDH_INIT before KEXINIT"] = new(async c =>
        {
            await c.SendIdentificationAsync();
            await c.SendPacketAsync(RawSshConnection.KexEcdhInit());
        }, "KEX_ECDH_INIT received outside a key exchange"),
        ["stall: connect and send nothing"] = new(_ => Task.CompletedTask, "login grace time (2 s) exceeded", Stall: true),
        ["stall: only the identification line"] = new(c => c.SendIdentificationAsync(), "login grace time (2 s) exceeded", Stall: true),
    };

    /// <summary>Case names for [MemberData].</summary>
    public static TheoryData<string> Names => new(All.Keys);
}

/// <summary>
/// Malformed and hostile input over a raw TCP socket: for each kind the gateway hangs up within a bounded time,
/// audits the reason in a disconnect event, stays up, and keeps its memory.
/// </summary>
public sealed class MalformedInputTests(MalformedInputFixture fixture, ITestOutputHelper output) : IClassFixture<MalformedInputFixture>
{
    private static readonly TimeSpan PromptClose = TimeSpan.FromSeconds(5);

    private BastionTestbed Bed => fixture.Bed;

    [Theory]
    [MemberData(nameof(MalformedCase.Names), MemberType = typeof(MalformedCase))]
    public async Task Gateway_hangs_up_on_malformed_input_and_audits_why(string name)
    {
        var observed = await RunCaseAsync(name);

        // Still there for the next client: a fresh connection gets the identification line.
        Assert.False(Bed.Gateway.HasExited, $"gateway exited after \"{name}\"\n{Bed.Logs()}");
        await using var next = await RawSshConnection.ConnectAsync(Bed.Gateway.Address, Bed.Gateway.Port);
        Assert.StartsWith("SSH-2.0-", await next.ReadServerIdentificationAsync(), StringComparison.Ordinal);
        Assert.True(observed.Closed);
    }

    [Fact]
    public async Task Absurd_packet_lengths_do_not_grow_the_gateways_memory()
    {
        var pid = ProcessMemory.DotnetProcessOf(Bed.Gateway.ProcessId);
        await RunCaseAsync("absurd packet length 0xFFFFFFF0"); // warm up the code path once
        var rssBefore = ProcessMemory.RssKiB(pid);
        var peakBefore = ProcessMemory.PeakRssKiB(pid);

        for (var batch = 0; batch < 4; batch++)
        {
            await Task.WhenAll(Enumerable.Range(0, 10).Select(async _ =>
            {
                await using var c = await RawSshConnection.ConnectAsync(Bed.Gateway.Address, Bed.Gateway.Port);
                await c.SendIdentificationAsync();
                await c.SendAsync(RawSshConnection.RawPacket(0xFFFFFFF0, 4, RandomNumberGenerator.GetBytes(256 * 1024)));
                var observed = await c.WaitForCloseAsync(PromptClose);
                Assert.True(observed.Closed, $"not disconnected within {PromptClose.TotalSeconds} s: {observed}");
            }));
        }

        var rssAfter = ProcessMemory.RssKiB(pid);
        var peakAfter = ProcessMemory.PeakRssKiB(pid);
        Assert.False(Bed.Gateway.HasExited, Bed.Logs());
        // A server that believed the length would try to buffer 4 GiB per connection; allow ordinary jitter only.
        Assert.True(rssAfter - rssBefore < 48 * 1024, $"VmRSS grew from {rssBefore} KiB to {rssAfter} KiB");
        Assert.True(peakAfter - Math.Max(peakBefore, rssBefore) < 64 * 1024, $"VmHWM grew from {peakBefore} KiB to {peakAfter} KiB");
    }

    [Fact]
    public async Task After_every_kind_of_malformed_input_a_normal_login_still_works()
    {
        await Task.WhenAll(MalformedCase.All.Keys.Select(RunCaseAsync));

        await Bed.AssertStillServesAsync();
    }

    /// <summary>Runs one case on a fresh connection and asserts the close (bounded) and the audited reason.</summary>
    private async Task<CloseObservation> RunCaseAsync(string name)
    {
        var c = MalformedCase.All[name];
        await using var connection = await RawSshConnection.ConnectAsync(Bed.Gateway.Address, Bed.Gateway.Port);
        var source = $"{connection.LocalEndPoint.Address}:{connection.LocalEndPoint.Port}";
        var sw = System.Diagnostics.Stopwatch.StartNew();
        await c.Send(connection);
        var observed = await connection.WaitForCloseAsync(c.Stall ? TimeSpan.FromSeconds(10) : PromptClose);
        var sinceConnect = sw.Elapsed;
        output.WriteLine($"{name}: {observed}");

        Assert.True(observed.Closed, $"\"{name}\": the gateway did not close the connection in time: {observed}\n{Bed.Logs()}");
        if (c.Stall)
        {
            // Not at once, and not much later than the 2 s grace time.
            Assert.InRange(sinceConnect.TotalSeconds, 1.5, 7);
        }

        // The gateway says why in SSH_MSG_DISCONNECT (unless the close raced our unread bytes into a TCP reset).
        if (!observed.Reset)
        {
            Assert.Equal(RawSshConnection.MsgDisconnect, Assert.Single(observed.MessageNumbers, m => m == RawSshConnection.MsgDisconnect));
            Assert.Contains(c.ExpectedReason, observed.DisconnectDescription, StringComparison.Ordinal);
        }

        var disconnect = await Bed.WaitForAuditRowAsync(e => e.Type == "disconnect" && e.SourceAddress == source, $"disconnect from {source} (\"{name}\")");
        Assert.Contains(c.ExpectedReason, disconnect["reason"], StringComparison.Ordinal);
        Assert.Equal("false", disconnect["authenticated"]);
        return observed;
    }
}
