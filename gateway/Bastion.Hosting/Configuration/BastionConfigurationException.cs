namespace Bastion.Hosting.Configuration;

/// <summary>Invalid settings found at start; the message lists every problem with the key to fix.</summary>
public sealed class BastionConfigurationException : Exception
{
    public BastionConfigurationException(IReadOnlyList<string> problems)
        : base("invalid configuration:\n  " + string.Join("\n  ", problems)) => Problems = problems;

    public IReadOnlyList<string> Problems { get; }
}
