namespace Bastion.Gateway.Inventory.Ec2;

/// <summary>AWS throttled the calls (RequestLimitExceeded, Throttling): back off rather than retry at once.</summary>
public sealed class Ec2ThrottledException : Ec2FetchException
{
    public Ec2ThrottledException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }

    public Ec2ThrottledException()
    {
    }

    public Ec2ThrottledException(string message)
        : base(message)
    {
    }
}
