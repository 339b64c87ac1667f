namespace Bastion.Admin.Reports;

/// <summary>A lockout subject as people read it: "alice", or "address 203.0.113.7" (IPv6: its /64).</summary>
public static class LockoutText
{
    public static string Display(string subject) =>
        subject.StartsWith("user:", StringComparison.Ordinal) ? subject["user:".Length..]
        : subject.StartsWith("address:", StringComparison.Ordinal) ? "address " + subject["address:".Length..]
        : subject;
}
