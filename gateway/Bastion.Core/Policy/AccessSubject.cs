using Bastion.Core.Store;

namespace Bastion.Core.Policy;

/// <summary>Who an access rule is about.</summary>
public enum AccessSubjectKind
{
    /// <summary>"*": every user.</summary>
    Everyone,

    /// <summary>"alice": one user.</summary>
    User,

    /// <summary>"@dev": every member of a group.</summary>
    Group,
}

/// <summary>A parsed access-rule subject: "alice", "@group" or "*".</summary>
public sealed record AccessSubject(AccessSubjectKind Kind, string? Name)
{
    /// <summary>Parses the text form. Throws <see cref="InvalidEntityException"/> with the accepted forms.</summary>
    public static AccessSubject Parse(string text)
    {
        if (text == "*")
        {
            return new AccessSubject(AccessSubjectKind.Everyone, null);
        }
        if (text.StartsWith('@') && Names.IsValidGroupName(text[1..]))
        {
            return new AccessSubject(AccessSubjectKind.Group, text[1..]);
        }
        if (Names.IsValidUserName(text))
        {
            return new AccessSubject(AccessSubjectKind.User, text);
        }
        throw new InvalidEntityException($"rule subject \"{text}\" is not valid; use a user name (alice), @group (@dev) or * for everyone");
    }

    /// <summary>True if the user (by name and groups) is covered by this subject.</summary>
    public bool Matches(string userName, IReadOnlyCollection<string> groups) => Kind switch
    {
        AccessSubjectKind.Everyone => true,
        AccessSubjectKind.User => string.Equals(Name, userName, StringComparison.Ordinal),
        AccessSubjectKind.Group => groups.Contains(Name!, StringComparer.Ordinal),
        _ => false,
    };

    public override string ToString() => Kind switch
    {
        AccessSubjectKind.Everyone => "*",
        AccessSubjectKind.Group => "@" + Name,
        _ => Name!,
    };
}
