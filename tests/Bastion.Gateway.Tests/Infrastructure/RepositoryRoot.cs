namespace Bastion.Gateway.Tests.Infrastructure;

/// <summary>The source tree the tests were built from (the directory holding Bastion.sln), for files they check.</summary>
public static class RepositoryRoot
{
    public static string Path { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Bastion.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("Bastion.sln not found above the test output directory");
    }
}
