using Bastion.Core.Store;

namespace Bastion.Core.Tests.Store;

/// <summary>
/// A name ends where its last allowed character does: a trailing newline (which "$" in a .NET pattern lets through)
/// would otherwise ride along into every listing, log line and audit event that shows the name.
/// </summary>
public sealed class NamesTests
{
    [Theory]
    [InlineData("alice\n")]
    [InlineData("alice\r\n")]
    [InlineData("al\nice")]
    [InlineData("alice\u001b[2J")]
    public void User_and_group_names_with_a_newline_or_escape_are_not_names(string name)
    {
        Assert.False(Names.IsValidUserName(name));
        Assert.False(Names.IsValidGroupName(name));
        Assert.Throws<InvalidEntityException>(() => Names.EnsureUserName(name));
    }

    [Theory]
    [InlineData("web-1\n")]
    [InlineData("web-1\u001b[2J")]
    public void Target_names_with_a_newline_or_escape_are_not_names(string name)
    {
        Assert.False(Names.IsValidTargetName(name));
        Assert.Throws<InvalidEntityException>(() => Names.EnsureTargetName(name));
    }

    [Fact]
    public void Ordinary_names_still_are()
    {
        Assert.True(Names.IsValidUserName("alice"));
        Assert.True(Names.IsValidGroupName("ops-team"));
        Assert.True(Names.IsValidTargetName("web-1.prod"));
    }

    // Issue 14: a 10 KB name came back whole in the error (a 4,000-pixel wall on the web page).
    [Fact]
    public void A_very_long_name_is_shortened_in_the_error_and_its_length_given()
    {
        var name = new string('a', 10_000);

        var user = Assert.Throws<InvalidEntityException>(() => Names.EnsureUserName(name));
        var target = Assert.Throws<InvalidEntityException>(() => Names.EnsureTargetName(name));

        foreach (var message in new[] { user.Message, target.Message })
        {
            Assert.True(message.Length < 300, message);
            Assert.Contains("(10000 characters)", message, StringComparison.Ordinal);
        }
    }
}
