namespace Bastion.Core.Tests.Support;

/// <summary>Files kept in the repository beside the tests (fixtures, expected outputs), found from the test binary upwards.</summary>
internal static class RepositoryFiles
{
    public static string Root { get; } = FindRoot();

    public static string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(directory.FullName, "Bastion.sln")))
            {
                return directory.FullName;
            }
        }
        throw new InvalidOperationException($"no Bastion.sln above {AppContext.BaseDirectory}; run the tests from a checkout of the repository");
    }
}
