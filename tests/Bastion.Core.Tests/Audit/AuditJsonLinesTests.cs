using System.Text.Json;
using Bastion.Core.Audit;
using Bastion.Core.Tests.Audit.Export;

namespace Bastion.Core.Tests.Audit;

/// <summary>
/// The audit copy keeps one descriptor for the life of the process (a gateway at its open-file limit must still write
/// its trail), follows a rotated file, and lines from two writers sharing the file never interleave.
/// </summary>
public sealed class AuditJsonLinesTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("bastion-jsonl-").FullName;

    private string PathOf(string name) => Path.Combine(_directory, name);

    private static int DescriptorsOn(string path) =>
        Directory.EnumerateFileSystemEntries("/proc/self/fd").Count(fd =>
        {
            try
            {
                return new FileInfo(fd).LinkTarget == path;
            }
            catch (IOException)
            {
                return false; // closed while we looked
            }
        });

    [Fact]
    public async Task The_file_is_opened_once_and_kept_open_across_batches()
    {
        var path = PathOf("audit.jsonl");
        using var lines = new AuditJsonLines(path);
        for (var seq = 1; seq <= 50; seq++)
        {
            await lines.AppendAsync([ExportRecords.AuthSuccess(seq)], CancellationToken.None);
            Assert.Equal(1, DescriptorsOn(path));
        }
        Assert.Equal(50, File.ReadAllLines(path).Length);
        lines.Dispose();
        Assert.Equal(0, DescriptorsOn(path));
    }

    [Fact]
    public async Task A_rotated_file_is_followed_to_the_new_one_and_the_old_keeps_its_lines()
    {
        var path = PathOf("audit.jsonl");
        using var lines = new AuditJsonLines(path);
        await lines.AppendAsync([ExportRecords.AuthSuccess(1), ExportRecords.AuthSuccess(2)], CancellationToken.None);
        File.Move(path, path + ".1"); // what logrotate does without copytruncate
        await lines.AppendAsync([ExportRecords.AuthSuccess(3)], CancellationToken.None);

        Assert.Equal([1, 2], File.ReadAllLines(path + ".1").Select(Seq));
        Assert.Equal([3], File.ReadAllLines(path).Select(Seq));
        Assert.Equal(0, DescriptorsOn(path + ".1"));
    }

    [Fact]
    public async Task Two_writers_appending_at_once_leave_whole_lines_and_every_record()
    {
        var path = PathOf("shared.jsonl");
        using var gateway = new AuditJsonLines(path);
        using var admin = new AuditJsonLines(path);
        async Task Write(AuditJsonLines writer, int first)
        {
            for (var i = 0; i < 200; i++)
            {
                await writer.AppendAsync([ExportRecords.AuthSuccess(first + (2 * i)), ExportRecords.AuthSuccess(first + (2 * i) + 1)], CancellationToken.None);
            }
        }
        await Task.WhenAll(Task.Run(() => Write(gateway, 1)), Task.Run(() => Write(admin, 100_001)));

        var seqs = File.ReadAllLines(path).Select(Seq).ToList();
        Assert.Equal(800, seqs.Count);
        Assert.Equal(800, seqs.Distinct().Count());
    }

    private static long Seq(string line) => JsonDocument.Parse(line).RootElement.GetProperty("seq").GetInt64();

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
