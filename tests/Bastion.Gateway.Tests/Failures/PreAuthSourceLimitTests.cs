using Bastion.Gateway.Tests.Infrastructure;

namespace Bastion.Gateway.Tests.Failures;

/// <summary>
/// One address holding login slots open (connect, then say nothing until the grace time ends) cannot take them all:
/// past Bastion:Ssh:MaxUnauthenticatedPerSource its next connection is refused at once, while another address is
/// still served, and a freed slot is usable again. Raw TCP from two loopback source addresses.
/// </summary>
public sealed class PreAuthSourceLimitTests
{
    [Fact]
    public async Task One_source_gets_its_share_of_login_slots_and_other_sources_are_still_served()
    {
        await using var bed = await BastionTestbed.StartAsync("--Bastion:Ssh:MaxUnauthenticatedPerSource=3", "--Bastion:Ssh:LoginGraceTimeSeconds=60");
        var greedy = LoopbackAddresses.Shared.Next();
        var other = LoopbackAddresses.Shared.Next();
        var held = new List<RawSshConnection>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                var connection = await RawSshConnection.ConnectAsync(bed.Gateway.Address, bed.Gateway.Port, greedy);
                Assert.StartsWith("SSH-2.0-", await connection.ReadServerIdentificationAsync(), StringComparison.Ordinal);
                held.Add(connection);
            }

            await using (var fourth = await RawSshConnection.ConnectAsync(bed.Gateway.Address, bed.Gateway.Port, greedy))
            {
                var refused = await fourth.WaitForCloseAsync(TimeSpan.FromSeconds(10));
                Assert.True(refused.Closed, $"the fourth connection from {greedy} was not refused: {refused}");
                Assert.Empty(refused.MessageNumbers);
                Assert.Null(refused.ServerIdentification);
            }
            await using (var fromElsewhere = await RawSshConnection.ConnectAsync(bed.Gateway.Address, bed.Gateway.Port, other))
            {
                Assert.StartsWith("SSH-2.0-", await fromElsewhere.ReadServerIdentificationAsync(), StringComparison.Ordinal);
            }

            await held[0].DisposeAsync();
            held.RemoveAt(0);
            var deadline = DateTime.UtcNow.AddSeconds(10);
            string? line = null;
            while (line is null && DateTime.UtcNow < deadline)
            {
                await using var again = await RawSshConnection.ConnectAsync(bed.Gateway.Address, bed.Gateway.Port, greedy);
                try
                {
                    line = await again.ReadServerIdentificationAsync(TimeSpan.FromSeconds(2));
                }
                catch (IOException)
                {
                    await Task.Delay(200); // the gateway may not have seen the freed slot's close yet
                }
            }
            Assert.NotNull(line);
            Assert.Contains("per-source limit", bed.Gateway.Output, StringComparison.Ordinal);
        }
        finally
        {
            foreach (var connection in held)
            {
                await connection.DisposeAsync();
            }
        }
    }
}
