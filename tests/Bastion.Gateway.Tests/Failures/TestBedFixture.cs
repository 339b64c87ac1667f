using Bastion.Gateway.Tests.Infrastructure;

namespace Bastion.Gateway.Tests.Failures;

/// <summary>
/// One <see cref="BastionTestbed"/> (target sshd + gateway) shared by the tests of a class; subclasses choose the
/// gateway's settings. Failures are answered quickly (AuthFailureDelayMilliseconds=100) and the per-address limit is
/// raised so that the many deliberate failures of one class (all from 127.0.0.1) never lock the address out.
/// </summary>
public abstract class TestBedFixture : IAsyncLifetime
{
    private BastionTestbed? _bed;

    /// <summary>The running test bed.</summary>
    public BastionTestbed Bed => _bed ?? throw new InvalidOperationException("fixture not initialized");

    /// <summary>Extra settings passed to <c>bastion serve</c>.</summary>
    protected virtual IEnumerable<string> ServeArgs => [];

    /// <inheritdoc />
    public virtual async Task InitializeAsync() =>
        _bed = await BastionTestbed.StartWithoutRulesAsync(
        [
            "--Bastion:Ssh:AuthFailureDelayMilliseconds=100",
            "--Bastion:Mfa:MaxFailuresPerAddress=1000",
            .. ServeArgs,
        ]);

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (_bed is not null)
        {
            await _bed.DisposeAsync();
        }
    }
}
