using Bastion.Core.Audit;

namespace Bastion.Core.Tests.Audit.Export;

/// <summary>Stored-looking audit records for exporter tests.</summary>
internal static class ExportRecords
{
    public static readonly DateTimeOffset Time = new DateTimeOffset(2030, 1, 2, 3, 4, 5, TimeSpan.Zero).AddTicks(1_234_567);

    public static AuditRecord AuthSuccess(long seq = 42, AuditSeverity severity = AuditSeverity.Info) => new(
        seq, Time, AuditEventTypes.AuthSuccess, severity, "sess-1", "alice", "127.0.20.5:41234",
        new Dictionary<string, string> { ["mfa"] = "totp", ["methods"] = "publickey,keyboard-interactive" },
        Enumerable.Repeat((byte)0xaa, 32).ToArray(), Enumerable.Repeat((byte)0xbb, 32).ToArray());

    public static AuditRecord WithData(IReadOnlyDictionary<string, string> data, string? source = "[::1]:2200", long seq = 7) => new(
        seq, Time, AuditEventTypes.ChannelOpen, AuditSeverity.Info, "sess-2", "bob", source, data,
        new byte[32], Enumerable.Repeat((byte)0x01, 32).ToArray());
}
