namespace Bastion.Fuzz;

/// <summary>
/// Regression mode: every file of a target's corpus (and any crashes/hangs AFL left) through the target in-process,
/// without afl-fuzz or instrumentation. Prints one line per failing file and a summary per target; exit 1 on any failure.
/// </summary>
public static class Replay
{
    public static int Run(string[] args)
    {
        if (args.Length == 0)
        {
            Console.Error.WriteLine("usage: Bastion.Fuzz replay TARGET|all [FILE|DIR…]");
            return 2;
        }
        var names = args[0] == "all" ? FuzzTargets.Names.ToArray() : [args[0]];
        var failures = 0;
        foreach (var name in names)
        {
            if (!FuzzTargets.TryGet(name, out var target))
            {
                Console.Error.WriteLine($"unknown target \"{name}\"");
                return 2;
            }
            var paths = args.Length > 1 && args[0] != "all" ? args.Skip(1) : [Path.Combine(CorpusRoot(), name)];
            var files = paths.SelectMany(Files).ToList();
            var failed = 0;
            foreach (var file in files)
            {
                if (Check(target, File.ReadAllBytes(file)) is { } problem)
                {
                    failed++;
                    Console.WriteLine($"FAIL {name} {file}: {problem}");
                }
            }
            failures += failed;
            Console.WriteLine($"{name}: {files.Count} inputs, {failed} failed");
        }
        return failures == 0 ? 0 : 1;
    }

    /// <summary>
    /// How fast a target runs without AFL: its corpus round and round for a few seconds, one line with executions a
    /// second, so a slow harness is found (and its fix measured) without a campaign.
    /// </summary>
    public static int Speed(string[] args)
    {
        if (args.Length == 0 || !FuzzTargets.TryGet(args[0], out var target))
        {
            Console.Error.WriteLine("usage: Bastion.Fuzz speed TARGET [SECONDS]");
            return 2;
        }
        var seconds = args.Length > 1 && int.TryParse(args[1], out var s) && s is > 0 and <= 600 ? s : 10;
        var inputs = Files(Path.Combine(CorpusRoot(), args[0])).Select(File.ReadAllBytes).ToList();
        if (inputs.Count == 0)
        {
            Console.Error.WriteLine($"fuzz/corpus/{args[0]} is empty");
            return 2;
        }
        Harness.Warm(target);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var cpu = Environment.CpuUsage.TotalTime;
        long executions = 0;
        while (clock.Elapsed.TotalSeconds < seconds)
        {
            Harness.Execute(target, inputs[(int)(executions % inputs.Count)]);
            executions++;
        }
        var elapsed = clock.Elapsed.TotalSeconds;
        var cpuSeconds = (Environment.CpuUsage.TotalTime - cpu).TotalSeconds;
        Console.WriteLine($"{args[0]}: {executions} executions in {elapsed:0.0} s = {executions / elapsed:0} a second ({cpuSeconds / executions * 1e6:0} µs CPU each, {inputs.Count} corpus inputs)");
        return 0;
    }

    /// <summary>Null when the input passes; otherwise what went wrong (exception type and message).</summary>
    public static string? Check(IFuzzTarget target, byte[] input, TimeSpan? maxTime = null)
    {
        try
        {
            // Warm first (JIT, static set-up), as the AFL loop does, so a cold start is not charged to the input's time limit.
            var run = Task.Run(() =>
            {
                Harness.Warm(target);
                Harness.Execute(target, input, maxTime);
            });
            if (!run.Wait((maxTime ?? Harness.MaxTime) * 5))
            {
                return $"hang: still running after {((maxTime ?? Harness.MaxTime) * 5).TotalSeconds:0} s";
            }
            return null;
        }
        catch (AggregateException ex)
        {
            var inner = ex.GetBaseException();
            return $"{inner.GetType().FullName}: {inner.Message}\n{inner.StackTrace}";
        }
    }

    /// <summary>fuzz/corpus next to the executable's source tree, or BASTION_FUZZ_CORPUS.</summary>
    public static string CorpusRoot()
    {
        if (Environment.GetEnvironmentVariable("BASTION_FUZZ_CORPUS") is { Length: > 0 } configured)
        {
            return configured;
        }
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "fuzz", "corpus");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }
        throw new DirectoryNotFoundException("fuzz/corpus not found above the executable; set BASTION_FUZZ_CORPUS");
    }

    private static IEnumerable<string> Files(string path) =>
        Directory.Exists(path)
            ? Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories).Where(f => !Path.GetFileName(f).StartsWith("README", StringComparison.Ordinal)).Order(StringComparer.Ordinal)
            : File.Exists(path) ? [path] : [];
}
