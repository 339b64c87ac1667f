namespace Bastion.Ssh.Tests.Algorithms.Ciphers;

/// <summary>Sealing and opening a packet must not allocate: they run for every packet of every connection.</summary>
public class HotPathAllocationTests
{
    [Theory]
    [MemberData(nameof(PacketProtectionContractTests.Modes), MemberType = typeof(PacketProtectionContractTests))]
    public void Seal_read_length_and_open_allocate_nothing(string cipherName, string? macName)
    {
        var (sender, receiver) = PacketProtectionContractTests.CreatePair(cipherName, macName);
        using var _ = sender;
        using var __ = receiver;
        var packet = Support.TestPackets.Make(32 * 1024, 1);
        var tag = new byte[sender.TagLength];
        uint sequence = 0;
        void RoundTrip()
        {
            sender.Seal(sequence, packet, tag);
            receiver.ReadPacketLength(sequence, packet.AsSpan(0, 4));
            Assert.True(receiver.Open(sequence, packet, tag));
            sequence++;
        }
        for (var i = 0; i < 10; i++)
        {
            RoundTrip();
        }
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 20; i++)
        {
            RoundTrip();
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
