using System.Text;
using Bastion.Ssh.Transport;
using Bastion.Ssh.Wire;

namespace Bastion.Ssh.Tests.Transport;

/// <summary>
/// The identification line exchange (RFC 4253 §4.2): a line is at most 255 characters however the bytes arrive —
/// the fuzzer's version campaign found a 348-character line accepted when it came in one read together with its
/// newline (the bound was checked only while waiting for more bytes).
/// </summary>
public sealed class VersionExchangeTests
{
    [Theory]
    [InlineData(256)]
    [InlineData(348)]
    [InlineData(4000)]
    public async Task A_line_longer_than_255_characters_is_refused_even_when_it_arrives_whole(int length)
    {
        var line = "SSH-2.0-" + new string('-', length - 8);
        var ex = await Assert.ThrowsAsync<SshProtocolException>(() => ReadAsync(line + "\r\n"));
        Assert.Contains("identification line longer than 255", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_long_line_before_the_identification_is_refused_too()
    {
        var ex = await Assert.ThrowsAsync<SshProtocolException>(() => ReadAsync(new string('x', 300) + "\r\nSSH-2.0-ok\r\n"));
        Assert.Contains("identification line longer than 255", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_line_of_exactly_255_characters_and_short_preamble_lines_are_accepted()
    {
        var line = "SSH-2.0-" + new string('v', 255 - 8);
        Assert.Equal(line, await ReadAsync("hello\r\n" + line + "\r\n"));
    }

    private static async Task<string> ReadAsync(string sent)
    {
        using var input = new InputBuffer(new MemoryStream(Encoding.ASCII.GetBytes(sent), writable: false));
        return await VersionExchange.ReadAsync(input, CancellationToken.None);
    }
}
