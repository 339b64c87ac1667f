using Bastion.Ssh.Resources;

namespace Bastion.Ssh.Tests.Resources;

public sealed class DescriptorBudgetTests
{
    private sealed class FakeTable : IDescriptorTable
    {
        public long Open { get; set; }
        public long SoftLimit { get; set; }
        public long CountOpen() => Open;
        public long Limit() => SoftLimit;
    }

    [Fact]
    public void Leases_stop_at_the_reserve_and_come_back_once_each()
    {
        var table = new FakeTable { Open = 200, SoftLimit = 1024 };
        using var budget = new DescriptorBudget(table, time: null);
        Assert.Equal(128, budget.Reserve);

        var leases = new List<DescriptorLease>();
        while (budget.TryTake() is { } lease)
        {
            leases.Add(lease);
            Assert.True(leases.Count <= 1024, "the budget never said no");
        }
        Assert.Equal(1024 - 128 - 200, leases.Count);
        Assert.Equal(0, budget.Available);

        leases[0].Dispose();
        leases[0].Dispose(); // a second dispose gives nothing back twice
        Assert.Equal(1, budget.Available);
        Assert.NotNull(budget.TryTake());
        Assert.Null(budget.TryTake());
    }

    [Fact]
    public void Descriptors_opened_outside_the_budget_count_from_the_next_sample()
    {
        var table = new FakeTable { Open = 200, SoftLimit = 1024 };
        using var budget = new DescriptorBudget(table, time: null);
        var before = budget.Available;

        table.Open = 500; // a grown database pool, say
        budget.Sample();
        Assert.Equal(before - 300, budget.Available);

        table.SoftLimit = 4096; // prlimit raised it while running
        budget.Sample();
        Assert.Equal(4096 - 128 - 500, budget.Available);
    }

    [Fact]
    public void Refusals_borrow_at_most_a_quarter_of_the_reserve()
    {
        var table = new FakeTable { Open = 1024 - 128, SoftLimit = 1024 };
        using var budget = new DescriptorBudget(table, time: null);
        Assert.Null(budget.TryTake());

        var borrowed = new List<DescriptorLease>();
        while (budget.TryTakeForRefusal() is { } lease)
        {
            borrowed.Add(lease);
            Assert.True(borrowed.Count <= 128, "refusals were never limited");
        }
        Assert.Equal(32, borrowed.Count);
        borrowed[0].Dispose();
        Assert.NotNull(budget.TryTakeForRefusal());
    }

    [Theory]
    [InlineData(1024, 128)]
    [InlineData(20_000, 512)]
    [InlineData(8192, 256)]
    [InlineData(1_048_576, 512)]
    public void The_reserve_is_a_32nd_of_the_limit_between_128_and_512(long limit, long reserve) =>
        Assert.Equal(reserve, DescriptorBudget.ReserveFor(limit));

}

/// <summary>
/// Counts this process's real descriptor table, so it runs alone: tests running beside it open and close sockets.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class DescriptorCountingCollection
{
    public const string Name = "descriptor counting";
}

[Collection(DescriptorCountingCollection.Name)]
public sealed class ProcessDescriptorTableTests
{
    [Fact]
    public void This_process_table_reads_a_limit_and_counts_open_descriptors()
    {
        var table = new ProcessDescriptorTable();
        var (soft, hard) = ProcessDescriptorTable.Read();
        Assert.True(soft > 0 && soft <= hard, $"soft {soft} hard {hard}");
        var before = table.CountOpen();
        var handles = Enumerable.Range(0, 10).Select(_ => File.OpenHandle("/dev/null")).ToList();
        try
        {
            Assert.Equal(before + 10, table.CountOpen());
        }
        finally
        {
            handles.ForEach(h => h.Dispose());
        }
    }
}
