namespace Bastion.Admin.Hosting;

/// <summary>A configuration problem found at start, with a message that names the key to fix.</summary>
public sealed class AdminStartupException(string message, Exception? inner = null) : Exception(message, inner);
