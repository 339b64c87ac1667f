using System.Threading.RateLimiting;
using Bastion.Admin.Recordings;
using Bastion.Admin.Security;
using Bastion.Admin.Security.StepUp;
using Bastion.Admin.WebAuthn;
using Bastion.Core.Mfa;
using Bastion.Hosting;
using Bastion.Hosting.Configuration;
using Fido2NetLib;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.FileProviders;

namespace Bastion.Admin.Hosting;

/// <summary>Builds the admin web app; used by Program and, in-process, by the browser tests.</summary>
public static class AdminApp
{
    /// <summary>Rate-limiter policy for the login and invite endpoints (per client address).</summary>
    public const string LoginRateLimit = "login";

    /// <param name="time">The app's clock (sessions, step-up, TOTP, audit times); the system clock unless a test brings its own.</param>
    public static WebApplication Build(string[] args, TimeProvider? time = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ApplicationName = typeof(AdminApp).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
        });
        // The same sources, in the same order, as the gateway's CLI: one configuration for both processes.
        builder.Configuration.Sources.Clear();
        builder.Configuration
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true)
            .AddJsonFile(Environment.GetEnvironmentVariable("BASTION_CONFIG") ?? "/etc/bastion/bastion.json", optional: true)
            .AddEnvironmentVariables()
            .AddCommandLine(args);
        if (string.IsNullOrEmpty(builder.Configuration["urls"]))
        {
            builder.WebHost.UseUrls("http://127.0.0.1:8443");
        }

        BastionOptions options;
        try
        {
            options = BastionConfiguration.Bind(builder.Configuration);
        }
        catch (BastionConfigurationException ex)
        {
            throw new AdminStartupException(ex.Message, ex);
        }
        var settings = AdminSettings.From(options);
        try
        {
            ConfigureServices(builder.Services, options, settings, time ?? TimeProvider.System);
        }
        catch (BastionConfigurationException ex)
        {
            throw new AdminStartupException(ex.Message, ex);
        }

        var app = builder.Build();
        // Open the store (and migrate) now, so a bad data directory fails the start rather than the first request.
        try
        {
            _ = app.Services.GetRequiredService<BastionContext>();
        }
        catch (Exception ex) when (KnownFailures.Describe(ex) is { } failure)
        {
            // An unreachable database or a bad connection string: one clear line, no stack trace.
            throw new AdminStartupException(failure.Message, ex);
        }
        Configure(app, settings);
        return app;
    }

    private static void ConfigureServices(IServiceCollection services, BastionOptions options, AdminSettings settings, TimeProvider time)
    {
        services.AddSingleton(options);
        services.AddSingleton(settings);
        services.AddSingleton(time);
        // The store, secret key, audit trail and TOTP come from the composition the gateway uses (Bastion.Hosting).
        services.AddBastion(options);
        services.AddSingleton(sp =>
        {
            var context = sp.GetRequiredService<BastionContext>();
            return new PendingTotpEnrollment(context.Store, context.Protector, context.Time, new TotpOptions { Issuer = options.Mfa.TotpIssuer });
        });
        services.AddSingleton(new Fido2(new Fido2Configuration
        {
            RPID = settings.RelyingPartyId,
            RPName = "Bastion",
            Origins = new HashSet<string> { settings.Origin },
            TimestampDriftTolerance = 300_000,
        }));
        services.AddSingleton<WebAuthnCeremonies>();
        services.AddSingleton<WebSessions>();
        services.AddHttpContextAccessor();
        services.AddScoped<AdminAudit>();

        var paths = BastionPaths.From(options);
        services.AddDataProtection()
            .SetApplicationName("bastion-admin")
            .PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(paths.DataDirectory, "admin-keys")));

        services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme).AddCookie(cookie =>
        {
            cookie.Cookie.Name = "bastion.session";
            cookie.Cookie.HttpOnly = true;
            cookie.Cookie.SameSite = SameSiteMode.Strict;
            cookie.Cookie.SecurePolicy = settings.IsHttps ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest;
            // The store's session row decides lifetime, idleness and sign-out (PrincipalRefresher); the cookie only
            // carries its token, and never outlives the row.
            cookie.ExpireTimeSpan = settings.SessionLifetime;
            cookie.SlidingExpiration = false;
            cookie.LoginPath = "/login";
            cookie.LogoutPath = "/logout";
            cookie.Events.OnValidatePrincipal = PrincipalRefresher.ValidateAsync;
            cookie.Events.OnRedirectToAccessDenied = context =>
            {
                context.Response.StatusCode = StatusCodes.Status403Forbidden;
                return Task.CompletedTask;
            };
        });
        services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build())
            .AddPolicy(Policies.Admin, p => p.RequireAuthenticatedUser().RequireRole(Policies.Admin))
            .AddPolicy(Policies.Auditor, p => p.RequireAuthenticatedUser().RequireRole(Policies.Auditor))
            .AddPolicy(Policies.User, p => p.RequireAuthenticatedUser().RequireRole(Policies.User));

        services.AddAntiforgery(antiforgery =>
        {
            antiforgery.HeaderName = "RequestVerificationToken";
            antiforgery.Cookie.Name = "bastion.csrf";
            antiforgery.Cookie.SameSite = SameSiteMode.Strict;
            antiforgery.Cookie.SecurePolicy = settings.IsHttps ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest;
        });
        services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.AddPolicy(LoginRateLimit, http => RateLimitPartition.GetFixedWindowLimiter(
                http.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new FixedWindowRateLimiterOptions { PermitLimit = 30, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));
        });
        services.AddRouting(routing => routing.LowercaseUrls = true);
        services.AddRazorPages().AddMvcOptions(mvc => mvc.Filters.Add<StepUpFilter>());
        services.Configure<ForwardedHeadersOptions>(forwarded => forwarded.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto);
    }

    private static void Configure(WebApplication app, AdminSettings settings)
    {
        // Behind a TLS-terminating proxy on the same host (loopback proxies only, the default KnownProxies).
        app.UseForwardedHeaders();
        app.UseBastionSecurityHeaders(settings.IsHttps);
        app.UseExceptionHandler("/status/500");
        app.UseStatusCodePagesWithReExecute("/status/{0}");
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = new EmbeddedFileProvider(typeof(AdminApp).Assembly, "Bastion.Admin.wwwroot"),
        });
        app.UseRouting();
        app.UseRateLimiter();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapRazorPages();
        app.MapRecordingCast();
        app.MapRecordingLive();
        // For the load balancer or reverse proxy in front: 200 "ok" while the store answers, 503 with the reason
        // otherwise and while the app stops. No session, no cookies, nothing about users.
        app.MapGet("/healthz", async (HttpContext http, BastionContext context, IHostApplicationLifetime lifetime) =>
        {
            var check = new Bastion.Hosting.Observability.HealthCheck(
                ct => context.Store.GetUserAsync("healthz-probe", ct), () => null, () => lifetime.ApplicationStopping.IsCancellationRequested);
            var report = await check.CheckAsync(http.RequestAborted);
            http.Response.Headers.CacheControl = "no-store";
            return Results.Text(report.Reason + "\n", "text/plain", statusCode: report.Healthy ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
        }).AllowAnonymous();
    }
}
