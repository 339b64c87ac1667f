using System.CommandLine;
using System.Globalization;
using Bastion.Core.Recordings;
using Bastion.Core.Store;
using Bastion.Ssh.Algorithms.HostKeys;
using static Bastion.Core.Security.TerminalText;

namespace Bastion.Gateway.Cli;

/// <summary>bastion recording client-key|list|export|verify — recorded sessions from a terminal.</summary>
public static class RecordingCommands
{
    public static Command Build(Option<string?> data)
    {
        var command = new Command("recording", "Recorded sessions (ssh -t bastion TARGET) and the key the gateway logs in to targets with");

        var clientKey = new Command("client-key", "Print the public key targets must trust for recorded sessions (creates it on first use)");
        clientKey.SetAction((parse, ct) => CliRunner.RunAsync(parse.GetValue(data), (context, token) =>
        {
            using var key = HostKeyFile.LoadOrCreate(context.Paths.TargetClientKey);
            Console.WriteLine(HostKeyFile.FormatPublicKeyLine(key, "bastion-recorded-sessions"));
            Console.Error.WriteLine("Add this line to ~USER/.ssh/authorized_keys on each target (restrict it with from=\"GATEWAY-ADDRESS\").");
            return Task.FromResult(ExitCodes.Ok);
        }, ct));

        var caKey = new Command("ca-key", "Print the certificate authority line targets trust with TrustedUserCAKeys (Bastion:Recording:TargetAuthentication=certificate; creates it on first use)");
        caKey.SetAction((parse, ct) => CliRunner.RunAsync(parse.GetValue(data), (context, token) =>
        {
            using var key = HostKeyFile.LoadOrCreate(context.Paths.TargetCaKey);
            Console.WriteLine(HostKeyFile.FormatPublicKeyLine(key, "bastion-recorded-sessions-ca"));
            Console.Error.WriteLine("Put this line in a file on each target and point sshd_config's TrustedUserCAKeys at it; AuthorizedPrincipalsFile can narrow the accounts.");
            return Task.FromResult(ExitCodes.Ok);
        }, ct));

        var user = new Option<string?>("--user") { Description = "Only this user's recordings" };
        var target = new Option<string?>("--target") { Description = "Only recordings on this target" };
        var limit = new Option<int>("--limit") { Description = "At most this many, newest first", DefaultValueFactory = _ => 50 };
        var list = new Command("list", "Recordings, newest first") { user, target, limit };
        list.SetAction((parse, ct) => CliRunner.RunAsync(parse.GetValue(data), async (context, token) =>
        {
            var recordings = await context.Store.ListRecordingsAsync(new RecordingQuery(UserName: parse.GetValue(user), TargetName: parse.GetValue(target), Limit: parse.GetValue(limit)), token);
            Console.WriteLine($"{"RECORDING",-32} {"USER",-12} {"TARGET",-16} {"AS",-10} {"STARTED",-20} {"SECONDS",8} {"BYTES",10} {"STATUS",-10} COMMAND");
            foreach (var r in recordings)
            {
                var seconds = r.EndedAt is { } end ? ((long)(end - r.StartedAt).TotalSeconds).ToString(CultureInfo.InvariantCulture) : "-";
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{Visible(r.Id),-32} {Visible(r.UserName),-12} {Visible(r.TargetName),-16} {Visible(r.TargetUser),-10} {r.StartedAt:u} {seconds,8} {r.Bytes,10} {Visible(r.Status),-10} {(r.Command is null ? "(shell)" : Visible(r.Command))}"));
            }
            return ExitCodes.Ok;
        }, ct));

        var id = new Argument<string>("recording") { Description = "RECORDING column of recording list" };
        var output = new Option<string?>("--output", "-o") { Description = "Write the asciicast file here (default: standard output); play it with: asciinema play FILE" };
        var export = new Command("export", "Write a recording as an asciicast v2 file") { id, output };
        export.SetAction((parse, ct) => CliRunner.RunAsync(parse.GetValue(data), async (context, token) =>
        {
            var recording = await FindAsync(context.Store, parse.GetValue(id)!, token);
            if (recording is null)
            {
                return ExitCodes.NotFound;
            }
            var path = parse.GetValue(output);
            await using var destination = path is null ? Console.OpenStandardOutput() : File.Create(path);
            await foreach (var chunk in context.Store.ReadRecordingAsync(recording.Id, token))
            {
                await destination.WriteAsync(chunk, token);
            }
            return ExitCodes.Ok;
        }, ct));

        var playId = new Argument<string>("recording") { Description = "RECORDING column of recording list" };
        var speed = new Option<double>("--speed") { Description = "Play this many times faster", DefaultValueFactory = _ => 1.0 };
        var maxPause = new Option<double>("--max-pause") { Description = "Longest pause replayed, in seconds (longer ones are cut to this)", DefaultValueFactory = _ => 2.0 };
        var play = new Command("play", "Replay a recording in this terminal with its timing (no browser needed)") { playId, speed, maxPause };
        play.SetAction((parse, ct) => CliRunner.RunAsync(parse.GetValue(data), async (context, token) =>
        {
            var recording = await FindAsync(context.Store, parse.GetValue(playId)!, token);
            if (recording is null)
            {
                return ExitCodes.NotFound;
            }
            var factor = parse.GetValue(speed);
            var pauseCap = parse.GetValue(maxPause);
            if (factor <= 0 || pauseCap < 0)
            {
                Console.Error.WriteLine("bastion: --speed must be above 0 and --max-pause 0 or more");
                return ExitCodes.Usage;
            }
            await using var stdout = Console.OpenStandardOutput();
            var played = await new AsciicastPlayer(context.Time).PlayAsync(context.Store, recording.Id, stdout, factor, TimeSpan.FromSeconds(pauseCap), token);
            // The replayed stream above is the recording itself, shown as it was; this line is ours, so its names are escaped.
            Console.Error.WriteLine($"\n[bastion: end of recording {Visible(recording.Id)}: {Visible(recording.UserName)} on {Visible(recording.TargetName)}, {played.Events} events, {played.RecordedDuration.TotalSeconds:0.0} s recorded]");
            return ExitCodes.Ok;
        }, ct));

        var verifyId = new Argument<string>("recording") { Description = "RECORDING column of recording list" };
        var verify = new Command("verify", "Hash a recording again and compare with the hash sealed in the audit trail") { verifyId };
        verify.SetAction((parse, ct) => CliRunner.RunAsync(parse.GetValue(data), async (context, token) =>
        {
            var recording = await FindAsync(context.Store, parse.GetValue(verifyId)!, token);
            if (recording is null)
            {
                return ExitCodes.NotFound;
            }
            var report = await RecordingIntegrity.CheckAsync(context.Store, recording, token);
            Console.WriteLine($"recording {recording.Id}: {report.Verdict}");
            Console.WriteLine($"  sha256 now    {report.ComputedSha256} ({report.ComputedBytes} bytes)");
            Console.WriteLine($"  sha256 sealed {recording.Sha256 ?? "-"} (store), {report.AuditSha256 ?? "-"} (audit trail)");
            return report.Intact ? ExitCodes.Ok : ExitCodes.Failed;
        }, ct));

        var days = new Option<int?>("--older-than-days") { Description = "Delete recordings that ended more than this many days ago (default: Bastion:Recording:RetentionDays)" };
        var prune = new Command("prune", "Delete old recordings now; each deletion is audited and the seals stay in the chain") { days };
        prune.SetAction((parse, ct) => CliRunner.RunAsync(parse.GetValue(data), async (context, token) =>
        {
            var olderThan = parse.GetValue(days) ?? context.Options.Recording.RetentionDays;
            if (olderThan <= 0)
            {
                Console.Error.WriteLine("bastion: give --older-than-days N (N ≥ 1), or set Bastion:Recording:RetentionDays");
                return ExitCodes.Usage;
            }
            var deleted = await RecordingRetention.PruneAsync(context.Store, context.Audit, context.Time.GetUtcNow().AddDays(-olderThan),
                CliRunner.Actor, $"prune older than {olderThan} days", token);
            Console.WriteLine($"deleted {deleted} recordings that ended more than {olderThan} days ago");
            return ExitCodes.Ok;
        }, ct));

        command.Add(clientKey);
        command.Add(caKey);
        command.Add(prune);
        command.Add(list);
        command.Add(export);
        command.Add(play);
        command.Add(verify);
        return command;
    }

    private static async Task<RecordingInfo?> FindAsync(IRecordingStore store, string id, CancellationToken ct)
    {
        var recording = await store.GetRecordingAsync(id, ct);
        if (recording is null)
        {
            Console.Error.WriteLine($"bastion: no recording {id}; see: bastion recording list");
        }
        return recording;
    }
}
