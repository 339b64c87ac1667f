using System.Globalization;
using System.Reflection;
using Bastion.Admin.Hosting;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.AspNetCore.Mvc.ViewFeatures;

namespace Bastion.Admin.Security.StepUp;

/// <summary>
/// Enforces <see cref="RequiresStepUpAttribute"/> on the server, for every page: a marked handler whose session has
/// no security-key assertion inside <see cref="AdminSettings.StepUpWindow"/> does not run. Runs after authorization
/// and the antiforgery check, so only a signed-in person's genuine form gets the prompt. A form post gets 403 with the
/// prompt page (the form kept for resubmission); a script's request (JSON) gets 403 with <c>stepUp</c> set, and
/// webauthn.js does the step-up and retries.
/// </summary>
public sealed class StepUpFilter(WebSessions sessions, AdminSettings settings, IModelMetadataProvider metadata) : IAsyncPageFilter
{
    public const string PromptView = "/Pages/Shared/_StepUpPrompt.cshtml";

    private const string AntiforgeryField = "__RequestVerificationToken";

    public Task OnPageHandlerSelectionAsync(PageHandlerSelectedContext context) => Task.CompletedTask;

    public async Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
    {
        var required = context.HandlerMethod?.MethodInfo.GetCustomAttribute<RequiresStepUpAttribute>();
        if (required is null || sessions.IsSteppedUp(context.HttpContext))
        {
            await next();
            return;
        }
        var message = Message(required.Action, sessions.SinceVerified(context.HttpContext));
        context.Result = WantsJson(context.HttpContext.Request)
            ? new JsonResult(new { error = message, stepUp = true }) { StatusCode = StatusCodes.Status403Forbidden }
            : new ViewResult
            {
                ViewName = PromptView,
                StatusCode = StatusCodes.Status403Forbidden,
                ViewData = new ViewDataDictionary<StepUpPrompt>(metadata, context.ModelState) { Model = Prompt(context.HttpContext.Request, message) },
            };
    }

    private string Message(string action, TimeSpan? since)
    {
        var window = Minutes(settings.StepUpWindow);
        var last = since is { } ago ? $"your last one in this session was {Minutes(ago)} ago" : "this session has none";
        return $"To {action}, touch your security key again: such changes need a security-key confirmation from the last {window}, and {last}. " +
               "What you submitted is kept and is sent again once the key confirms.";
    }

    private static string Minutes(TimeSpan span) => span.TotalMinutes >= 1.5
        ? $"{Math.Round(span.TotalMinutes).ToString(CultureInfo.InvariantCulture)} minutes"
        : $"{Math.Round(span.TotalSeconds).ToString(CultureInfo.InvariantCulture)} seconds";

    private static bool WantsJson(HttpRequest request) =>
        request.HasJsonContentType() || request.Headers.Accept.Any(value => value?.Contains("application/json", StringComparison.OrdinalIgnoreCase) == true);

    private static StepUpPrompt Prompt(HttpRequest request, string message)
    {
        var fields = new List<KeyValuePair<string, string>>();
        if (request.HasFormContentType)
        {
            foreach (var (name, values) in request.Form)
            {
                if (name == AntiforgeryField)
                {
                    continue;
                }
                fields.AddRange(values.Select(value => new KeyValuePair<string, string>(name, value ?? "")));
            }
        }
        // Path and query of this very request: always a local URL, back to the same handler.
        return new StepUpPrompt(message, request.PathBase + request.Path + request.QueryString, fields, (request.PathBase + request.Path).ToString());
    }
}
