namespace Bastion.Admin.Security.StepUp;

/// <summary>
/// The page shown instead of a change that needs a step-up: why, and the submitted form kept as hidden fields so that
/// after the touch the browser sends the same request again and nothing typed is lost.
/// </summary>
/// <param name="ResubmitUrl">The handler URL the form was posted to (path and query of this request).</param>
/// <param name="Fields">The posted fields, in order, without the antiforgery token (the page renders a fresh one).</param>
/// <param name="CancelUrl">The page the form was on.</param>
public sealed record StepUpPrompt(string Message, string ResubmitUrl, IReadOnlyList<KeyValuePair<string, string>> Fields, string CancelUrl);
