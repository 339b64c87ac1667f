namespace Bastion.Hosting;

/// <summary>Exit codes shared by every verb, so scripts can tell "bad input" from "not found" from "failed check".</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    public const int Failed = 1;
    public const int Usage = 2;
    public const int NotFound = 3;
    public const int Conflict = 4;
}
