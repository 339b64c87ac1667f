namespace Bastion.Gateway.Doctor;

public enum DoctorStatus
{
    Ok,
    Warning,
    Failure,
}

/// <summary>One line of <c>bastion doctor</c>: what was checked, how it stands, and (when not ok) what to do.</summary>
public sealed record DoctorFinding(string Check, DoctorStatus Status, string Detail)
{
    public static DoctorFinding Ok(string check, string detail) => new(check, DoctorStatus.Ok, detail);

    public static DoctorFinding Warn(string check, string detail) => new(check, DoctorStatus.Warning, detail);

    public static DoctorFinding Fail(string check, string detail) => new(check, DoctorStatus.Failure, detail);
}
