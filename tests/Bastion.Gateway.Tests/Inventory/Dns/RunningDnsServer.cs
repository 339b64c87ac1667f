using System.Net;
using System.Net.Sockets;
using Bastion.Core.Inventory;
using Bastion.Gateway.Inventory.Dns;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bastion.Gateway.Tests.Inventory.Dns;

/// <summary>
/// An <see cref="InventoryDnsServer"/> on 127.0.0.1 at a port free for both UDP and TCP, answering from
/// <see cref="Index"/>, which a test may replace between queries.
/// </summary>
internal sealed class RunningDnsServer : IAsyncDisposable
{
    private const int PortAttempts = 10;

    private readonly InventoryDnsServer _server;
    private InstanceIndex _index;

    private RunningDnsServer(InventoryDnsServer server, InstanceIndex index, int port)
    {
        _server = server;
        _index = index;
        Port = port;
    }

    public int Port { get; }

    /// <summary>The snapshot the server's delegate returns; setting it is what a new inventory refresh does.</summary>
    public InstanceIndex Index
    {
        get => Volatile.Read(ref _index);
        set => Volatile.Write(ref _index, value);
    }

    /// <param name="configure">Changes to the test settings (e.g. the rate limit) before the server is made.</param>
    /// <param name="time">The rate limit's clock; the system clock when null.</param>
    /// <param name="responseDropped">Told "udp" or "tcp" for each query the rate limit drops.</param>
    /// <param name="logger">Where the server logs; nowhere when null.</param>
    public static async Task<RunningDnsServer> StartAsync(InstanceIndex index, Action<InventoryDnsOptions>? configure = null,
        TimeProvider? time = null, Action<string>? responseDropped = null, ILogger<InventoryDnsServer>? logger = null)
    {
        for (var attempt = 1; ; attempt++)
        {
            var port = FreeTcpPort();
            RunningDnsServer? running = null;
            var options = new InventoryDnsOptions { Enabled = true, ListenAddress = "127.0.0.1", Port = port, Zone = DnsTestInventory.Zone, TtlSeconds = 30 };
            configure?.Invoke(options);
            var server = new InventoryDnsServer(options, () => running!.Index, logger ?? NullLogger<InventoryDnsServer>.Instance, time, responseDropped);
            running = new RunningDnsServer(server, index, port);
            try
            {
                await server.StartAsync(CancellationToken.None);
                return running;
            }
            catch (InvalidOperationException) when (attempt < PortAttempts)
            {
                // The TCP port was free but its UDP twin was taken (or the port was grabbed in between): pick another.
            }
        }
    }

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    private static int FreeTcpPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
