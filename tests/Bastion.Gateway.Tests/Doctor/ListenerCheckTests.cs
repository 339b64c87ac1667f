using System.Net;
using System.Net.Sockets;
using System.Text;
using Bastion.Hosting.Configuration;
using Bastion.Gateway.Doctor;
using Bastion.Gateway.Tests.Infrastructure;

namespace Bastion.Gateway.Tests.Doctor;

/// <summary>doctor's listener line quotes what answered on the SSH port; whoever holds the port chose those bytes.</summary>
public sealed class ListenerCheckTests
{
    [Theory]
    [InlineData("SSH-2.0-Other\u001b[2J\u001b]0;pwned\u0007", DoctorStatus.Warning, @"answers SSH-2.0-Other\x1b[2J\x1b]0;pwned\x07, which is not this gateway")]
    [InlineData("HTTP/1.1 400 \u001b[2J", DoctorStatus.Failure, @"answered ""HTTP/1.1 400 \x1b[2J"", not SSH")]
    public async Task What_answered_is_quoted_escaped(string line, DoctorStatus status, string expected)
    {
        var address = LoopbackAddresses.Shared.Next();
        using var listener = new TcpListener(address, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var answer = Task.Run(async () =>
        {
            using var client = await listener.AcceptTcpClientAsync();
            await client.GetStream().WriteAsync(Encoding.ASCII.GetBytes(line + "\r\n"));
            await Task.Delay(500);
        });

        var finding = await ListenerCheck.RunAsync(new SshOptions { ListenAddress = address.ToString(), Port = port }, CancellationToken.None);
        await answer;

        Assert.Equal(status, finding.Status);
        Assert.Contains(expected, finding.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain('\u001b', finding.Detail);
    }
}
