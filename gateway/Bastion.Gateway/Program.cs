using System.CommandLine;
using Bastion.Gateway.Cli;

var data = new Option<string?>("--data")
{
    Description = "Data directory (database, host key, secret key, audit log); default ./data or Bastion:DataDirectory",
    Recursive = true,
};

var root = new RootCommand("Bastion: SSH bastion gateway with MFA")
{
    data,
    ServeCommand.Build(data),
    UserCommands.Build(data),
    KeyCommands.Build(data),
    TotpCommands.Build(data),
    TargetCommands.Build(data),
    AccessCommands.Build(data),
    AuditCommands.Build(data),
    HostKeyCommands.Build(data),
    InventoryCommands.Build(data),
    SessionCommands.Build(data),
    RecordingCommands.Build(data),
    GroupCommands.Build(data),
    NodeCommands.Build(data),
    LockoutCommands.Build(data),
    DoctorCommand.Build(data),
    BackupCommands.Build(data),
};

// The host handles SIGTERM itself (drain sessions, flush the audit trail); System.CommandLine's own handler would
// force an exit after two seconds.
// "@ops" names a group (access rules, group commands), not a response file to expand.
return await root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null }).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
