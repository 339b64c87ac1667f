using Bastion.Core.Security;

namespace Bastion.Core.Tests.Security;

/// <summary>
/// The one escaping function for outside text on terminals: whatever a terminal would act on (C0, ESC, DEL, C1) or a
/// reader would not see (bidi overrides, line separators) comes out as a visible escape; ordinary text in any script
/// comes out unchanged.
/// </summary>
public sealed class TerminalTextTests
{
    [Theory]
    [InlineData("\u001b[2J", "\\x1b[2J")]
    [InlineData("a\nb", "a\\x0ab")]
    [InlineData("a\rb", "a\\x0db")]
    [InlineData("\t", "\\x09")]
    [InlineData("\0", "\\x00")]
    [InlineData("bell\a", "bell\\x07")]
    [InlineData("del\u007f", "del\\x7f")]
    [InlineData("csi\u009b2J", "csi\\x9b2J")]
    [InlineData("nel\u0085", "nel\\x85")]
    [InlineData("evil\u202etxt.exe", "evil\\u202etxt.exe")]
    [InlineData("line\u2028sep", "line\\u2028sep")]
    [InlineData("para\u2029sep", "para\\u2029sep")]
    [InlineData("zero\u200bwidth", "zero\\u200bwidth")]
    public void Characters_a_terminal_acts_on_or_hides_become_visible_escapes(string raw, string shown)
    {
        Assert.Equal(shown, TerminalText.Visible(raw));
        Assert.True(TerminalText.NeedsEscaping(raw));
    }

    [Theory]
    [InlineData("web-1.dev")]
    [InlineData("alice@laptop key ~!#$%^&*()_+{}|:\"<>?`-=[]\\;',./")]
    [InlineData("é")]
    [InlineData("Zoë's 日本 сервер → ok")]
    [InlineData("")]
    public void Printable_text_in_any_script_is_unchanged(string text)
    {
        Assert.Same(text, TerminalText.Visible(text));
        Assert.False(TerminalText.NeedsEscaping(text));
    }

    [Fact]
    public void Null_is_shown_as_nothing()
    {
        Assert.Equal("", TerminalText.Visible(null));
        Assert.False(TerminalText.NeedsEscaping(null));
    }

    [Fact]
    public void Escaping_twice_changes_nothing_more_so_an_output_edge_may_escape_again()
    {
        var once = TerminalText.Visible("a\u001b[2J\n\u202eb");

        Assert.Equal("a\\x1b[2J\\x0a\\u202eb", once);
        Assert.Equal(once, TerminalText.Visible(once));
    }

    [Fact]
    public void No_control_or_format_character_survives()
    {
        var every = new string(Enumerable.Range(0, 0x3000).Select(i => (char)i).Where(c => !char.IsSurrogate(c)).ToArray());

        var shown = TerminalText.Visible(every);

        Assert.DoesNotContain(shown, c => char.IsControl(c));
        Assert.DoesNotContain(shown, c => char.GetUnicodeCategory(c) is System.Globalization.UnicodeCategory.Format
            or System.Globalization.UnicodeCategory.LineSeparator or System.Globalization.UnicodeCategory.ParagraphSeparator);
    }
}
