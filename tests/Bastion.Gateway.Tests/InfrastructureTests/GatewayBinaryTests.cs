using Bastion.Gateway.Tests.Infrastructure;

namespace Bastion.Gateway.Tests.InfrastructureTests;

public class GatewayBinaryTests
{
    [Fact]
    public void Bastion_dll_is_built_next_to_the_tests()
    {
        Assert.True(File.Exists(GatewayBinary.BastionDll), GatewayBinary.BastionDll);
        Assert.True(File.Exists(Path.ChangeExtension(GatewayBinary.BastionDll, ".runtimeconfig.json")), "bastion.runtimeconfig.json missing");
    }
}
