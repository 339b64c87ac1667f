namespace Bastion.Core.Audit.Export;

/// <summary>Turns one stored record into one message (UTF-8, without transport framing).</summary>
public interface IAuditFormatter
{
    byte[] Format(AuditRecord record);
}
