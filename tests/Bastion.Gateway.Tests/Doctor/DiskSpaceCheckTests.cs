using Bastion.Gateway.Doctor;

namespace Bastion.Gateway.Tests.Doctor;

/// <summary>doctor's disk line: failing under 100 MiB free, warning under 1 GiB or 10 %, with what to free.</summary>
public sealed class DiskSpaceCheckTests
{
    private const long MiB = 1024 * 1024;

    [Theory]
    [InlineData(50 * MiB, 100_000 * MiB, DoctorStatus.Failure)]
    [InlineData(500 * MiB, 100_000 * MiB, DoctorStatus.Warning)]
    [InlineData(5_000 * MiB, 100_000 * MiB, DoctorStatus.Warning)]
    [InlineData(20_000 * MiB, 100_000 * MiB, DoctorStatus.Ok)]
    [InlineData(2_000 * MiB, 4_000 * MiB, DoctorStatus.Ok)]
    public void Thresholds(long available, long total, DoctorStatus expected)
    {
        var finding = DiskSpaceCheck.Evaluate("/var/lib/bastion", "/var", available, total);

        Assert.Equal(expected, finding.Status);
        Assert.Contains("on /var, where /var/lib/bastion is", finding.Detail, StringComparison.Ordinal);
        if (expected != DoctorStatus.Ok)
        {
            Assert.Contains("bastion recording prune", finding.Detail, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_real_directory_is_measured_on_its_mount()
    {
        var finding = DiskSpaceCheck.Run(Path.GetTempPath());

        Assert.NotNull(finding);
        Assert.Matches(@"free of \d", finding.Detail);
        Assert.Null(DiskSpaceCheck.Run("/nonexistent-bastion-dir"));
    }
}
