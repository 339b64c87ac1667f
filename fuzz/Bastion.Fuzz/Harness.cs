using System.Diagnostics;

namespace Bastion.Fuzz;

/// <summary>An input broke a limit every target shares; thrown so SharpFuzz reports it to afl-fuzz as a crash.</summary>
public sealed class FuzzLimitExceededException(string message) : Exception(message);

/// <summary>Runs one input through one target under the shared limits: allocation and time.</summary>
public static class Harness
{
    /// <summary>More than this allocated for one input is a finding: parsers must cap what a length field can make them allocate.</summary>
    public const long MaxAllocatedBytes = 64L * 1024 * 1024;

    /// <summary>Matches afl-fuzz -t 1000; replay enforces it too.</summary>
    public static readonly TimeSpan MaxTime = TimeSpan.FromSeconds(1);

    /// <summary>Runs the target once on an empty input so lazy static set-up is not charged to the first real input.</summary>
    public static void Warm(IFuzzTarget target)
    {
        try
        {
            target.Run([]);
            target.Run([0, 0, 0, 0, 0, 0, 0, 0]);
        }
        catch (Exception)
        {
            // Warming only; real inputs report their own failures.
        }
    }

    /// <param name="maxTime">Defaults to <see cref="MaxTime"/>; the in-process corpus test allows more because it shares a
    /// loaded CI machine with other test assemblies (afl-fuzz keeps -t 1000).</param>
    public static void Execute(IFuzzTarget target, byte[] input, TimeSpan? maxTime = null)
    {
        var limit = maxTime ?? MaxTime;
        // Process-wide, because the session targets run on thread-pool threads as well as this one.
        var before = GC.GetTotalAllocatedBytes(precise: false);
        var clock = Stopwatch.StartNew();
        target.Run(input);
        var elapsed = clock.Elapsed;
        var allocated = GC.GetTotalAllocatedBytes(precise: false) - before;
        if (allocated > MaxAllocatedBytes)
        {
            throw new FuzzLimitExceededException($"one input of {input.Length} bytes allocated {allocated / (1024 * 1024)} MiB (limit {MaxAllocatedBytes / (1024 * 1024)} MiB)");
        }
        if (elapsed > limit)
        {
            throw new FuzzLimitExceededException($"one input of {input.Length} bytes took {elapsed.TotalMilliseconds:0} ms (limit {limit.TotalMilliseconds:0} ms)");
        }
    }
}
