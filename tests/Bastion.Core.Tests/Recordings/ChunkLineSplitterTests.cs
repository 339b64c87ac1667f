using System.Text;
using Bastion.Core.Recordings;

namespace Bastion.Core.Tests.Recordings;

public sealed class ChunkLineSplitterTests
{
    [Fact]
    public void Lines_are_joined_across_chunks_and_handed_out_whole()
    {
        var splitter = new ChunkLineSplitter();

        Assert.Equal(["a"], Text(splitter.Feed("a\nb"u8.ToArray())));
        Assert.Empty(splitter.Feed("cd"u8.ToArray()));
        Assert.Equal(["bcde", ""], Text(splitter.Feed("e\n\nf"u8.ToArray())));
        Assert.Equal("f", Encoding.UTF8.GetString(splitter.Rest()!.Value.Span));
    }

    [Fact]
    public void A_line_longer_than_the_bound_is_refused_instead_of_held()
    {
        var splitter = new ChunkLineSplitter();
        var block = new byte[1024 * 1024];

        var ex = Record.Exception(() =>
        {
            for (var i = 0; i <= ChunkLineSplitter.MaxLineBytes / block.Length; i++)
            {
                splitter.Feed(block);
            }
        });

        Assert.IsType<InvalidDataException>(ex);
    }

    private static List<string> Text(List<ReadOnlyMemory<byte>> lines) => lines.Select(l => Encoding.UTF8.GetString(l.Span)).ToList();
}
