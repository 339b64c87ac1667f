namespace Bastion.Core.Store;

/// <summary>A gateway node as it last announced itself: the others tell a quiet node from a dead one by <see cref="LastSeen"/>.</summary>
/// <param name="NodeId">Bastion:NodeId (default: the host name).</param>
/// <param name="Version">The Bastion version it runs.</param>
/// <param name="Listen">Its SSH listen address and port.</param>
public sealed record GatewayNode(string NodeId, DateTimeOffset StartedAt, DateTimeOffset LastSeen, string Version, string Listen);
