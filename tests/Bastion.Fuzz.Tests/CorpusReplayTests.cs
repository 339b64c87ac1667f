using Bastion.Fuzz;

namespace Bastion.Fuzz.Tests;

/// <summary>Every seed and every saved finding under fuzz/corpus/TARGET passes its target (no AFL, no instrumentation).</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class CorpusReplayTests
{
    /// <summary>
    /// The suite runs test projects side by side on a 2-core machine: a much looser time limit than afl-fuzz's 1 s
    /// (which runs alone), still catching a hang; the allocation limit is the same.
    /// </summary>
    private static readonly TimeSpan TimeLimit = TimeSpan.FromSeconds(15);

    public static TheoryData<string> Targets()
    {
        var data = new TheoryData<string>();
        foreach (var name in FuzzTargets.Names)
        {
            data.Add(name);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public void Corpus_passes_its_target(string name)
    {
        Assert.True(FuzzTargets.TryGet(name, out var target));
        var dir = Path.Combine(Replay.CorpusRoot(), name);
        var files = Directory.GetFiles(dir);
        Assert.NotEmpty(files);
        var failures = files
            .Select(file => (file, problem: Replay.Check(target, File.ReadAllBytes(file), TimeLimit)))
            .Where(r => r.problem is not null)
            .Select(r => $"{Path.GetFileName(r.file)}: {r.problem}")
            .ToList();
        Assert.True(failures.Count == 0, string.Join("\n\n", failures));
    }

    [Fact]
    public void Every_target_has_a_corpus()
    {
        var root = Replay.CorpusRoot();
        Assert.All(FuzzTargets.Names, name => Assert.True(Directory.Exists(Path.Combine(root, name)), $"no fuzz/corpus/{name}"));
    }
}
