using System.Xml.Linq;
using Bastion.Gateway.Tests.Infrastructure;

namespace Bastion.Gateway.Tests.Architecture;

/// <summary>
/// The admin web app and the gateway meet only in the store and the shared composition (Bastion.Hosting): the web
/// app must not carry the SSH server, the AWS SDK or the CLI. Checked on the project files, following references.
/// </summary>
public class ProjectBoundaryTests
{
    [Fact]
    public void The_admin_app_does_not_reference_the_gateway_even_indirectly()
    {
        var closure = ProjectClosure(Path.Combine(RepositoryRoot.Path, "admin", "Bastion.Admin", "Bastion.Admin.csproj"));

        var names = closure.Select(p => Path.GetFileNameWithoutExtension(p.Path)).ToList();
        Assert.Contains("Bastion.Hosting", names);
        Assert.Contains("Bastion.Core", names);
        Assert.DoesNotContain("Bastion.Gateway", names);
        var packages = closure.SelectMany(p => p.Packages).ToList();
        Assert.DoesNotContain(packages, p => p.StartsWith("AWSSDK", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(packages, p => p.Equals("SSH.NET", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(packages, p => p.Equals("System.CommandLine", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void The_shared_composition_references_only_the_libraries_below_it()
    {
        var closure = ProjectClosure(Path.Combine(RepositoryRoot.Path, "gateway", "Bastion.Hosting", "Bastion.Hosting.csproj"));

        Assert.Equal(["Bastion.Core", "Bastion.Hosting", "Bastion.Ssh"],
            closure.Select(p => Path.GetFileNameWithoutExtension(p.Path)).Order(StringComparer.Ordinal));
    }

    private sealed record ProjectFile(string Path, IReadOnlyList<string> Packages);

    private static List<ProjectFile> ProjectClosure(string root)
    {
        var seen = new Dictionary<string, ProjectFile>(StringComparer.Ordinal);
        var pending = new Stack<string>([System.IO.Path.GetFullPath(root)]);
        while (pending.Count > 0)
        {
            var path = pending.Pop();
            if (seen.ContainsKey(path))
            {
                continue;
            }
            Assert.True(File.Exists(path), $"{path} is referenced but does not exist");
            var project = XDocument.Load(path);
            var packages = project.Descendants("PackageReference").Select(e => (string?)e.Attribute("Include") ?? "").ToList();
            seen[path] = new ProjectFile(path, packages);
            foreach (var reference in project.Descendants("ProjectReference"))
            {
                var include = ((string?)reference.Attribute("Include") ?? "").Replace('\\', '/');
                pending.Push(System.IO.Path.GetFullPath(System.IO.Path.Combine(System.IO.Path.GetDirectoryName(path)!, include)));
            }
        }
        return seen.Values.ToList();
    }
}
