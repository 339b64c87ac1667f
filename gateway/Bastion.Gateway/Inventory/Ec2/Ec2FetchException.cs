namespace Bastion.Gateway.Inventory.Ec2;

/// <summary>Listing an account's instances failed; the message says what failed and what to check.</summary>
public class Ec2FetchException : Exception
{
    public Ec2FetchException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }

    public Ec2FetchException()
    {
    }

    public Ec2FetchException(string message)
        : base(message)
    {
    }

    /// <summary>AWS error code when AWS answered with one (e.g. "AccessDenied", "UnauthorizedOperation").</summary>
    public string? ErrorCode { get; init; }

    /// <summary>The AWS call that failed: "sts:AssumeRole", "ec2:DescribeInstances" or "ec2:DescribeSecurityGroups".</summary>
    public string? Operation { get; init; }

    /// <summary>Region of the failed call, when it had one.</summary>
    public string? Region { get; init; }
}
