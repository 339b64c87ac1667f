using Bastion.Core.Secrets;
using Bastion.Core.Store;
using Bastion.Hosting.Configuration;
using Bastion.Ssh.Algorithms.HostKeys;

namespace Bastion.Hosting;

/// <summary>
/// The failures a person can act on (bad configuration or input, a missing entity, an unreachable or too new
/// database, an unreadable key): one line and an exit code, where anything else is a bug worth its stack trace.
/// </summary>
public static class KnownFailures
{
    public static (string Message, int Code)? Describe(Exception ex) => ex switch
    {
        BastionConfigurationException config => (config.Message, ExitCodes.Usage),
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
}
