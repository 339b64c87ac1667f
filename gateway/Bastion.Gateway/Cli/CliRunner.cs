using Bastion.Core.Secrets;
using Bastion.Core.Store;
using Bastion.Gateway.Configuration;
using Bastion.Gateway.Hosting;
using Bastion.Ssh.Algorithms.HostKeys;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bastion.Gateway.Cli;

/// <summary>Exit codes shared by every verb, so scripts can tell "bad input" from "not found" from "failed check".</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    public const int Failed = 1;
    public const int Usage = 2;
    public const int NotFound = 3;
    public const int Conflict = 4;
}

/// <summary>Opens the shared context for one CLI verb and turns known failures into one clear line on stderr.</summary>
public static class CliRunner
{
    public static async Task<int> RunAsync(string? dataDirectory, Func<GatewayContext, CancellationToken, Task<int>> action, CancellationToken cancellationToken)
    {
        try
        {
            var options = CliConfiguration.Bind(CliConfiguration.Build(dataDirectory, new Dictionary<string, string?>(), []));
            // Admin changes made here must reach Graylog/syslog like the gateway's events (the gateway never sees
            // records another process stored), but not the terminal: audit lines would mix with the verb's output.
            options.Audit.Export.Stdout.Enabled = false;
            await using var context = await GatewayContext.OpenAsync(options, TimeProvider.System, NullLoggerFactory.Instance, cancellationToken).ConfigureAwait(false);
            var code = await action(context, cancellationToken).ConfigureAwait(false);
            await context.Audit.FlushAsync(cancellationToken).ConfigureAwait(false);
            return code;
        }
        catch (Exception ex) when (Describe(ex) is { } failure)
        {
            Console.Error.WriteLine($"bastion: {failure.Message}");
            return failure.Code;
        }
    }

    public static (string Message, int Code)? Describe(Exception ex) => ex switch
    {
        GatewayConfigurationException config => (config.Message, ExitCodes.Usage),
        InvalidEntityException invalid => (invalid.Message, ExitCodes.Usage),
        Bastion.Core.Keys.AuthorizedKeyFormatException format => (format.Message, ExitCodes.Usage),
        EntityNotFoundException missing => (missing.Message, ExitCodes.NotFound),
        StoreConflictException conflict => (conflict.Message, ExitCodes.Conflict),
        SchemaVersionException schema => (schema.Message, ExitCodes.Failed),
        StoreUnavailableException unavailable => (unavailable.Message, ExitCodes.Failed),
        SecretProtectionException secret => (secret.Message, ExitCodes.Failed),
        HostKeyFileException hostKey => (hostKey.Message, ExitCodes.Failed),
        InvalidDataException invalid => (invalid.Message, ExitCodes.Failed),
        UnauthorizedAccessException denied => ($"permission denied: {denied.Message}", ExitCodes.Failed),
        _ => null,
    };

    /// <summary>Who made an admin change from the CLI, for the audit trail.</summary>
    public static string Actor => $"cli:{Environment.UserName}";
}
