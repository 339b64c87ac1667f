using Bastion.Gateway.Tests.Infrastructure;

namespace Bastion.Gateway.Tests.Inventory.Dns;

/// <summary>The real <c>dig</c> from Debian's dnsutils, pointed at a responder on 127.0.0.1; missing dig fails the test, naming the package.</summary>
internal static class Dig
{
    public const string Path = "/usr/bin/dig";
    public const string Package = "dnsutils";

    /// <summary>Runs <c>dig @127.0.0.1 -p PORT ARGS</c> with one try and a short timeout; returns stdout, failing on a non-zero exit.</summary>
    public static async Task<string> RunAsync(int port, params string[] arguments)
    {
        var dig = ProcessRunner.RequireTool(Path, Package);
        string[] all = ["@127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "+time=3", "+tries=1", .. arguments];
        var result = await ProcessRunner.RunAsync(new ProcessSpec(dig, all) { Timeout = TimeSpan.FromSeconds(20) });
        result.EnsureSuccess("dig");
        return result.StandardOutput;
    }

    /// <summary>The answer lines of <c>+short</c> output.</summary>
    public static async Task<string[]> ShortAsync(int port, params string[] arguments) =>
        (await RunAsync(port, [.. arguments, "+short"])).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>The rcode from the ";; -&gt;&gt;HEADER&lt;&lt;- opcode: QUERY, status: NOERROR" line.</summary>
    public static string Status(string output)
    {
        const string marker = "status: ";
        var start = output.IndexOf(marker, StringComparison.Ordinal);
        Assert.True(start >= 0, "dig printed no status line:\n" + output);
        start += marker.Length;
        var end = output.IndexOf(',', start);
        return output[start..end];
    }

    /// <summary>The number after "ANSWER: " in the header summary.</summary>
    public static int AnswerCount(string output)
    {
        const string marker = "ANSWER: ";
        var start = output.IndexOf(marker, StringComparison.Ordinal);
        Assert.True(start >= 0, "dig printed no ANSWER count:\n" + output);
        start += marker.Length;
        var end = output.IndexOf(',', start);
        return int.Parse(output[start..end], System.Globalization.CultureInfo.InvariantCulture);
    }
}
