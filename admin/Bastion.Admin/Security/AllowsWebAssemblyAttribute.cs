namespace Bastion.Admin.Security;

/// <summary>
/// Marks a page whose scripts compile WebAssembly (the recording player's terminal emulator); only those pages get
/// <see cref="SecurityHeaders.ContentSecurityPolicyWithWebAssembly"/>, every other page keeps the stricter policy.
/// </summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class AllowsWebAssemblyAttribute : Attribute;
