using Bastion.Ssh.Resources;
using System.CommandLine;
using Bastion.Core.Inventory;
using Bastion.Hosting.Configuration;
using Bastion.Gateway.Hosting;
using Bastion.Gateway.Inventory;
using Bastion.Gateway.Inventory.Dns;
using Bastion.Gateway.Inventory.Ec2;
using Bastion.Gateway.Observability;
using Bastion.Gateway.Ssh;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Bastion.Gateway.Cli;

/// <summary>bastion serve — runs the gateway in the foreground (under systemd: Type=notify).</summary>
public static class ServeCommand
{
    public static Command Build(Option<string?> data)
    {
        var listen = new Option<string?>("--listen") { Description = "Address to listen on (default 127.0.0.1)" };
        var port = new Option<int?>("--port") { Description = "TCP port (default 2222)" };
        var command = new Command("serve", "Run the SSH gateway") { listen, port };
        command.TreatUnmatchedTokensAsErrors = false; // --Bastion:Key=value settings pass through to configuration
        command.SetAction((parse, ct) =>
        {
            var overrides = new Dictionary<string, string?>();
            if (parse.GetValue(listen) is { } address)
            {
                overrides["Bastion:Ssh:ListenAddress"] = address;
            }
            if (parse.GetValue(port) is { } number)
            {
                overrides["Bastion:Ssh:Port"] = number.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
            return RunAsync(parse.GetValue(data), overrides, parse.UnmatchedTokens.ToArray(), ct);
        });
        return command;
    }

    private static async Task<int> RunAsync(string? dataDirectory, Dictionary<string, string?> overrides, string[] extra, CancellationToken cancellationToken)
    {
        IConfigurationRoot configuration;
        BastionOptions options;
        try
        {
            configuration = BastionConfiguration.Build(dataDirectory, overrides, extra);
            options = BastionConfiguration.Bind(configuration);
        }
        catch (BastionConfigurationException ex)
        {
            Console.Error.WriteLine($"bastion: {ex.Message}");
            return ExitCodes.Usage;
        }

        var descriptors = ProcessDescriptorTable.RaiseSoftToHard();
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            ContentRootPath = AppContext.BaseDirectory,
            DisableDefaults = true,
        });
        builder.Configuration.AddConfiguration(configuration);
        builder.Logging.AddConfiguration(configuration.GetSection("Logging"));
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss ";
        });
        // Journald-friendly console output under systemd; readiness and watchdog go through ServiceNotifier.
        builder.Services.AddSystemd();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(options.Ssh.ShutdownDrainSeconds + 10));

        // The shared services (store, audit trail, TOTP, rate limits, inventory) come from the one composition the CLI
        // verbs and the admin app use; the gateway adds the SSH server and its background services on top.
        try
        {
            builder.Services.AddBastion(options);
        }
        catch (BastionConfigurationException ex)
        {
            Console.Error.WriteLine($"bastion: {ex.Message}");
            return ExitCodes.Usage;
        }
        builder.Services.AddSingleton<ActiveSessions>();
        // One budget for every socket a session holds (client side and target side), sampled on real time.
        builder.Services.AddSingleton(_ => new DescriptorBudget(new ProcessDescriptorTable(), TimeProvider.System));
        // Per-user caps (Bastion:Limits) are counted here, once per process: the caps are per node.
        builder.Services.AddSingleton(new Limits.UserResourceCaps(TimeProvider.System));
        builder.Services.AddSingleton<TextWriter>(Console.Out);
        builder.Services.AddMetrics();
        builder.Services.AddSingleton<GatewayMetrics>();
        builder.Services.AddSingleton<SshGatewayService>();
        builder.Services.AddSingleton<ServiceNotifier>();
        // SIGHUP is handled before the SSH port opens: its default action would end the process.
        builder.Services.AddHostedService(sp => new ConfigurationReloader(
            configuration, () => BastionConfiguration.Build(dataDirectory, overrides, extra), sp.GetRequiredService<BastionContext>(),
            sp.GetRequiredService<SshGatewayService>(), sp.GetRequiredService<ServiceNotifier>(), sp.GetRequiredService<ILogger<ConfigurationReloader>>()));
        // Before the SSH service: detection starts before the first login and stops after the last session.
        builder.Services.AddHostedService<AlertingService>();
        if (options.Metrics.Enabled)
        {
            // Before the SSH service, so it stops after it and answers 503 "draining" while sessions finish.
            AddMetricsEndpoint(builder.Services, options.Metrics);
        }
        // Before the SSH service, so it beats while sessions drain and removes this node's row only after.
        builder.Services.AddHostedService<NodeHeartbeat>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<SshGatewayService>());
        builder.Services.AddHostedService<MemoryTrimmer>();
        builder.Services.AddHostedService<LiveSessions>();
        builder.Services.AddHostedService<RecordingRetentionService>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ServiceNotifier>());
        // InventorySync subscribes before the refresher (added by AddEc2Inventory) publishes its first snapshot.
        builder.Services.AddHostedService<InventorySync>();
        builder.Services.AddEc2Inventory(options.Inventory.Ec2);
        builder.Services.AddHostedService(sp => new InventoryDnsServer(
            options.Inventory.Dns, () => sp.GetRequiredService<InventoryState>().Index, sp.GetRequiredService<ILogger<InventoryDnsServer>>(),
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<GatewayMetrics>().DnsResponseDropped,
            () => sp.GetRequiredService<InventoryState>().Statics, new TargetLookupOptions { MaxStale = TimeSpan.FromSeconds(options.Inventory.Ec2.MaxStaleSeconds) }));
        // The container owns the audit trail and the store, which only dispose asynchronously (the trail drains).
        var host = builder.Build();
        await using var disposeHost = ((IAsyncDisposable)host).ConfigureAwait(false);
        BastionContext context;
        try
        {
            // Opened (and migrated) before any service starts, so a bad store fails the start with one line.
            context = host.Services.GetRequiredService<BastionContext>();
        }
        catch (Exception ex) when (KnownFailures.Describe(ex) is { } failure)
        {
            Console.Error.WriteLine($"bastion: {failure.Message}");
            return failure.Code;
        }
        try
        {
            await host.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (KnownFailures.Describe(ex) is { } failure || ex is System.Net.Sockets.SocketException)
        {
            var message = ex is System.Net.Sockets.SocketException socket
                ? $"cannot listen on {options.Ssh.ListenAddress}:{options.Ssh.Port}: {socket.Message} (is another process using it? change --port)"
                : KnownFailures.Describe(ex)!.Value.Message;
            Console.Error.WriteLine($"bastion: {message}");
            return ExitCodes.Failed;
        }
        Console.WriteLine(DescribeDescriptorLimit(descriptors.Soft, descriptors.Hard));
        ObserveStrayExceptions(host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Bastion.Gateway.Unhandled"), context);
        await PrintFirstStepsAsync(context, cancellationToken).ConfigureAwait(false);
        await host.WaitForShutdownAsync(CancellationToken.None).ConfigureAwait(false);
        return ExitCodes.Ok;
    }

    /// <summary>"open files: limit 65536 (hard 65536), room for about 32,000 forwarded sessions" — read at start by an operator sizing LimitNOFILE.</summary>
    internal static string DescribeDescriptorLimit(long soft, long hard)
    {
        var sessions = Math.Max(0, (soft - DescriptorBudget.ReserveFor(soft) - BaselineDescriptors) / DescriptorsPerSession);
        return string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"open files: limit {soft} (hard {hard}), room for about {sessions:N0} forwarded sessions (2 descriptors each; raise LimitNOFILE for more)");
    }

    /// <summary>What an idle gateway holds (assemblies mapped twice, the store, logs, listeners), measured at about 170.</summary>
    internal const long BaselineDescriptors = 200;

    /// <summary>A forwarded session holds the client's socket and the target's.</summary>
    internal const long DescriptorsPerSession = 2;

    /// <summary>
    /// A fault on a path nobody awaits must not pass unseen, and one that would end the process says so with the audit
    /// trail flushed first, so the last minutes are not lost with it.
    /// </summary>
    private static void ObserveStrayExceptions(ILogger logger, BastionContext context)
    {
        TaskScheduler.UnobservedTaskException += (_, e) =>
        {
            logger.LogError(e.Exception, "a background task failed and nobody awaited it; the gateway carries on");
            e.SetObserved();
        };
        AppDomain.CurrentDomain.UnhandledException += (_, e) =>
        {
            logger.LogCritical(e.ExceptionObject as Exception, "unhandled exception; the process is ending — flushing the audit trail first");
            try
            {
                context.Audit.FlushAsync(CancellationToken.None).Wait(TimeSpan.FromSeconds(5));
            }
            catch (Exception)
            {
                // Nothing more can be done on the way out; the store keeps what it already had.
            }
        };
    }

    private static void AddMetricsEndpoint(IServiceCollection services, MetricsOptions metrics)
    {
        services.AddSingleton(_ => new PrometheusBridge());
        services.AddSingleton(sp =>
        {
            var context = sp.GetRequiredService<BastionContext>();
            var ssh = sp.GetRequiredService<SshGatewayService>();
            var lifetime = sp.GetRequiredService<IHostApplicationLifetime>();
            // A user lookup by name is an indexed query: it proves the store answers without reading much.
            return new HealthCheck(ct => context.Store.GetUserAsync("healthz-probe", ct), ssh.ListenerProblem,
                () => lifetime.ApplicationStopping.IsCancellationRequested);
        });
        services.AddHostedService(sp => new MetricsHttpServer(metrics, sp.GetRequiredService<PrometheusBridge>(),
            sp.GetRequiredService<HealthCheck>(), sp.GetRequiredService<ILogger<MetricsHttpServer>>()));
    }

    private static async Task PrintFirstStepsAsync(BastionContext context, CancellationToken cancellationToken)
    {
        var users = await context.Store.ListUsersAsync(cancellationToken).ConfigureAwait(false);
        if (users.Count > 0)
        {
            return;
        }
        var data = context.Paths.DataDirectory;
        Console.WriteLine($"""

            No users yet. In another terminal, add the first one:
              bastion --data {data} user add alice
              bastion --data {data} key add alice "$(cat ~/.ssh/id_ed25519.pub)"
              bastion --data {data} totp enroll alice
              bastion --data {data} target add web-1 10.0.0.5:22
              bastion --data {data} access allow alice '*'
            then: ssh -J alice@{context.Options.Ssh.ListenAddress}:{context.Options.Ssh.Port} web-1
            (from the source tree, "bastion" is: dotnet run --project gateway/Bastion.Gateway --)
            """);
    }
}
