namespace Bastion.Core.Recordings;

/// <param name="ChunkBytes">A chunk is written to the store when this much is pending (and at every flush interval).</param>
/// <param name="FlushInterval">Longest time recorded output waits in memory; what a crash of the node can lose.</param>
/// <param name="FailClosed">
/// True: a failed write to the store ends the session (nothing unrecorded happens). False: the session goes on
/// unrecorded, the recording is sealed as truncated, and the failure is audited.
/// </param>
/// <param name="RecordInput">Also record what the user types ("i" events). Off by default: it captures passwords typed at prompts that do not echo.</param>
public sealed record SessionRecorderSettings(int ChunkBytes, TimeSpan FlushInterval, bool FailClosed, bool RecordInput)
{
    public static SessionRecorderSettings Default { get; } = new(32 * 1024, TimeSpan.FromSeconds(1), FailClosed: true, RecordInput: false);
}
