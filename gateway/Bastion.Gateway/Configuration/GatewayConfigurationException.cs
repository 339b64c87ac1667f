namespace Bastion.Gateway.Configuration;

/// <summary>Invalid settings found at start; the message lists every problem with the key to fix.</summary>
public sealed class GatewayConfigurationException : Exception
{
    public GatewayConfigurationException(IReadOnlyList<string> problems)
        : base("invalid configuration:\n  " + string.Join("\n  ", problems)) => Problems = problems;

    public IReadOnlyList<string> Problems { get; }
}
