namespace Bastion.Core.Recordings;

/// <summary>What was sealed: the document's SHA-256 (lowercase hex) and size, and whether it is complete.</summary>
public sealed record RecordingSeal(string RecordingId, string Sha256, long Bytes, string Status, DateTimeOffset EndedAt);
