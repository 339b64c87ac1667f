using Bastion.Fuzz;

// Bastion.Fuzz TARGET                  run TARGET under afl-fuzz (SharpFuzz persistent mode); without afl-fuzz, runs stdin once
// Bastion.Fuzz replay TARGET|all [PATH…] replay files (default: fuzz/corpus/TARGET) through a target in-process, no AFL
// Bastion.Fuzz speed TARGET [SECONDS]  the target's corpus in a loop in-process for SECONDS (default 10): executions a second
// Bastion.Fuzz list                    the target names, one a line
// Bastion.Fuzz capture PORT DIR        a server on 127.0.0.1:PORT that records what real clients send (seeds; see fuzz/README.md)
if (args.Length == 0)
{
    Console.Error.WriteLine("usage: Bastion.Fuzz TARGET | replay TARGET|all [PATH…] | list | capture PORT DIR");
    return 2;
}
switch (args[0])
{
    case "list":
        foreach (var name in FuzzTargets.Names)
        {
            Console.WriteLine(name);
        }
        return 0;
    case "replay":
        return Replay.Run(args.Skip(1).ToArray());
    case "speed":
        return Replay.Speed(args.Skip(1).ToArray());
    case "capture":
        return await Bastion.Fuzz.Capture.CaptureServer.RunAsync(args.Skip(1).ToArray());
    default:
        if (!FuzzTargets.Names.Contains(args[0]))
        {
            Console.Error.WriteLine($"unknown target \"{args[0]}\"; targets: {string.Join(", ", FuzzTargets.Names)}");
            return 2;
        }
        // Instrumented code may run only inside Fuzzer.Run (before it, AFL's shared map is not attached), so the target
        // is created, and warmed (JIT, static set-up), on the first input rather than before the loop.
        IFuzzTarget? target = null;
        // OutOfProcess: inputs run in a child process, so one that kills the process (stack overflow, an unhandled exception on a
        // background thread) is saved as a crash instead of taking the fork server down.
        SharpFuzz.Fuzzer.OutOfProcess.Run(stream =>
        {
            if (target is null)
            {
                FuzzTargets.TryGet(args[0], out target);
                Harness.Warm(target!);
            }
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            Harness.Execute(target!, copy.ToArray());
        });
        return 0;
}
