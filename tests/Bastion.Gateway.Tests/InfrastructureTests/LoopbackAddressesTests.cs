using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Bastion.Gateway.Tests.Infrastructure;

namespace Bastion.Gateway.Tests.InfrastructureTests;

public class LoopbackAddressesTests
{
    [Fact]
    public void Hands_out_distinct_loopback_aliases_across_threads()
    {
        var allocator = new LoopbackAddresses(58_000); // near the end: also exercises the wrap-around
        var seen = new ConcurrentBag<IPAddress>();
        Parallel.For(0, 2_000, _ => seen.Add(allocator.Next()));

        Assert.Equal(2_000, seen.Distinct().Count());
        foreach (var a in seen)
        {
            var b = a.GetAddressBytes();
            Assert.True(IPAddress.IsLoopback(a), a.ToString());
            Assert.Equal(127, b[0]);
            Assert.NotEqual(10, b[2]); // 127.0.10.* belongs to bench/
            Assert.InRange(b[3], 1, 254);
        }
    }

    [Fact]
    public void Free_port_on_an_alias_can_be_bound()
    {
        var (address, port) = LoopbackAddresses.Shared.NextEndpoint(22);
        Assert.True(LoopbackAddresses.IsPortFree(address, port));
        var free = LoopbackAddresses.FreePort(address);
        using var listener = new TcpListener(address, free);
        listener.Start();
        Assert.False(LoopbackAddresses.IsPortFree(address, free));
    }
}
