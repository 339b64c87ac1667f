using Bastion.Hosting.Configuration;
using Microsoft.Extensions.Configuration;

namespace Bastion.Hosting.Configuration;

/// <summary>
/// Builds configuration the same way for every verb: the appsettings.json shipped next to the binary, an optional
/// /etc/bastion/bastion.json (or BASTION_CONFIG), environment variables (Bastion__Ssh__Port) and finally the
/// command line (--data, --listen, --port and any --Bastion:Key=value).
/// </summary>
public static class BastionConfiguration
{
    public static IConfigurationRoot Build(string? dataDirectory, IReadOnlyDictionary<string, string?> overrides, string[] extraArguments)
    {
        var builder = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true)
            .AddJsonFile(Environment.GetEnvironmentVariable("BASTION_CONFIG") ?? "/etc/bastion/bastion.json", optional: true)
            .AddEnvironmentVariables();
        var fromCommandLine = new Dictionary<string, string?>(overrides);
        if (dataDirectory is not null)
        {
            fromCommandLine[$"{BastionOptions.Section}:DataDirectory"] = dataDirectory;
        }
        builder.AddInMemoryCollection(fromCommandLine);
        builder.AddCommandLine(extraArguments);
        return builder.Build();
    }

    public static BastionOptions Bind(IConfiguration configuration)
    {
        var options = new BastionOptions();
        try
        {
            configuration.GetSection(BastionOptions.Section).Bind(options, o => o.ErrorOnUnknownConfiguration = true);
        }
        catch (InvalidOperationException ex)
        {
            throw new BastionConfigurationException([ex.Message + " (check the spelling of the Bastion:* keys)"]);
        }
        return options;
    }
}
