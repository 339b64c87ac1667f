namespace Bastion.Admin.Security;

/// <summary>
/// Headers on every response: a CSP without inline script or style, no framing, no referrer (invite links carry a
/// token), no caching of pages (a TOTP seed is shown once and must not stay in a cache).
/// </summary>
public static class SecurityHeaders
{
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    /// <summary>
    /// The same policy, plus compiling WebAssembly from our own scripts ('wasm-unsafe-eval' allows no JavaScript eval),
    /// for pages marked <see cref="AllowsWebAssemblyAttribute"/>.
    /// </summary>
    public const string ContentSecurityPolicyWithWebAssembly =
        "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    public static IApplicationBuilder UseBastionSecurityHeaders(this IApplicationBuilder app, bool https) => app.Use(async (context, next) =>
    {
        context.Response.OnStarting(() =>
        {
            var headers = context.Response.Headers;
            // The endpoint is known by now (this runs when the response starts, after routing).
            headers.ContentSecurityPolicy = context.GetEndpoint()?.Metadata.GetMetadata<AllowsWebAssemblyAttribute>() is null
                ? ContentSecurityPolicy
                : ContentSecurityPolicyWithWebAssembly;
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            headers["Referrer-Policy"] = "no-referrer";
            headers["Cross-Origin-Opener-Policy"] = "same-origin";
            headers["Cross-Origin-Resource-Policy"] = "same-origin";
            headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=()";
            if (https)
            {
                headers.StrictTransportSecurity = "max-age=31536000";
            }
            if (!context.Request.Path.StartsWithSegments("/lib") && !context.Request.Path.StartsWithSegments("/css") && !context.Request.Path.StartsWithSegments("/js"))
            {
                headers.CacheControl = "no-store";
            }
            return Task.CompletedTask;
        });
        await next(context);
    });
}
