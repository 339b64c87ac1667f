using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Bastion.Gateway.Tests.Infrastructure;

/// <summary>
/// Hands out distinct loopback aliases 127.0.x.y (x in 20..249, y in 1..254; 127.0.10.* is left to bench/) and free
/// TCP ports. Any 127/8 address works on Linux without setup, so each test can own an alias and listen on port 22.
/// The process-wide <see cref="Shared"/> allocator is thread-safe and starts at a random offset so two test runs on
/// one machine are unlikely to collide; <see cref="NextEndpoint"/> also checks the port is really free.
/// </summary>
public sealed class LoopbackAddresses
{
    private const int FirstX = 20;
    private const int XCount = 230;
    private const int YCount = 254;
    private const int Total = XCount * YCount;
    private int _counter;

    /// <summary>Creates an allocator whose sequence starts at <paramref name="startIndex"/> (mod the pool size).</summary>
    public LoopbackAddresses(int startIndex) => _counter = Math.Abs(startIndex % Total) - 1;

    /// <summary>The allocator shared by all tests in this process.</summary>
    public static LoopbackAddresses Shared { get; } = new(Random.Shared.Next(Total));

    /// <summary>IPv6 loopback ([::1]).</summary>
    public static IPAddress IPv6 => IPAddress.IPv6Loopback;

    /// <summary>The next alias, distinct from every other one this allocator returned (until 58,420 have been handed out).</summary>
    public IPAddress Next()
    {
        var i = (int)((uint)Interlocked.Increment(ref _counter) % Total);
        return new IPAddress([127, 0, (byte)(FirstX + (i / YCount)), (byte)(1 + (i % YCount))]);
    }

    /// <summary>
    /// A fresh alias where <paramref name="preferredPort"/> can be bound right now (tries up to 20 aliases),
    /// or, failing that, a fresh alias with a kernel-chosen free port.
    /// </summary>
    public (IPAddress Address, int Port) NextEndpoint(int preferredPort = 22)
    {
        for (var attempt = 0; attempt < 20; attempt++)
        {
            var address = Next();
            if (IsPortFree(address, preferredPort))
            {
                return (address, preferredPort);
            }
        }

        var fallback = Next();
        return (fallback, FreePort(fallback));
    }

    /// <summary>A TCP port that is free on <paramref name="address"/> now (binds port 0 and releases it).</summary>
    public static int FreePort(IPAddress? address = null)
    {
        using var listener = new TcpListener(address ?? IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    /// <summary>True if <paramref name="port"/> can be bound on <paramref name="address"/> right now.</summary>
    public static bool IsPortFree(IPAddress address, int port)
    {
        try
        {
            using var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(new IPEndPoint(address, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>True if a TCP connection to <paramref name="address"/>:<paramref name="port"/> is accepted (1 s connect timeout).</summary>
    public static async Task<bool> AcceptsConnectionsAsync(IPAddress address, int port)
    {
        using var client = new TcpClient(address.AddressFamily);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        try
        {
            await client.ConnectAsync(address, port, cts.Token).ConfigureAwait(false);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>
    /// Waits (bounded by <paramref name="timeout"/>) until <paramref name="address"/>:<paramref name="port"/> accepts a
    /// connection. Fails fast with <paramref name="process"/>'s output if that process exits first.
    /// </summary>
    public static async Task WaitUntilAcceptingAsync(IPAddress address, int port, TimeSpan timeout, BackgroundProcess? process = null, string what = "server")
    {
        var sw = Stopwatch.StartNew();
        while (true)
        {
            if (process is { HasExited: true })
            {
                throw new InvalidOperationException(
                    $"{what} exited (code {process.ExitCode}) before listening on {Format(address, port)}.\n" +
                    $"command: {process.CommandLine}\n--- output ---\n{process.Output}");
            }

            if (await AcceptsConnectionsAsync(address, port).ConfigureAwait(false))
            {
                return;
            }

            if (sw.Elapsed > timeout)
            {
                throw new TimeoutException(
                    $"{what} did not accept connections on {Format(address, port)} within {timeout.TotalSeconds} s." +
                    (process is null ? "" : $"\ncommand: {process.CommandLine}\n--- output ---\n{process.Output}"));
            }

            await Task.Delay(50).ConfigureAwait(false);
        }
    }

    /// <summary>"127.0.0.1:22" or "[::1]:22".</summary>
    public static string Format(IPAddress address, int port) =>
        address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{address}]:{port}" : $"{address}:{port}";
}
