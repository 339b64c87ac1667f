namespace Bastion.Ssh.Algorithms.HostKeys;

/// <summary>A host key file cannot be used; the message names the file and says how to fix it.</summary>
public sealed class HostKeyFileException : Exception
{
    public HostKeyFileException(string message) : base(message) { }

    public HostKeyFileException(string message, Exception inner) : base(message, inner) { }
}
