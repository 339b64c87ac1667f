using Bastion.Core.Secrets;
using Bastion.Core.Store;
using Bastion.Hosting.Configuration;
using Bastion.Gateway.Hosting;
using Bastion.Ssh.Algorithms.HostKeys;
using Microsoft.Extensions.DependencyInjection;

namespace Bastion.Gateway.Cli;

/// <summary>Opens the shared context for one CLI verb and turns known failures into one clear line on stderr.</summary>
public static class CliRunner
{
    public static async Task<int> RunAsync(string? dataDirectory, Func<BastionContext, CancellationToken, Task<int>> action, CancellationToken cancellationToken)
    {
        try
        {
            var options = BastionConfiguration.Bind(BastionConfiguration.Build(dataDirectory, new Dictionary<string, string?>(), []));
            // Admin changes made here must reach Graylog/syslog like the gateway's events (the gateway never sees
            // records another process stored), but not the terminal: audit lines would mix with the verb's output.
            options.Audit.Export.Stdout.Enabled = false;
            // The verb resolves from the same composition as the gateway; disposing it drains the audit trail.
            await using var services = new ServiceCollection().AddBastion(options).BuildServiceProvider();
            var context = services.GetRequiredService<BastionContext>();
            var code = await action(context, cancellationToken).ConfigureAwait(false);
            await context.Audit.FlushAsync(cancellationToken).ConfigureAwait(false);
            return code;
        }
        catch (Exception ex) when (KnownFailures.Describe(ex) is { } failure)
        {
            Console.Error.WriteLine($"bastion: {failure.Message}");
            return failure.Code;
        }
    }

    /// <summary>Who made an admin change from the CLI, for the audit trail.</summary>
    public static string Actor => $"cli:{Environment.UserName}";
}
