using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;

namespace Bastion.Admin.Pages;

/// <summary>Error pages (re-executed by the status-code middleware; the original status code is kept).</summary>
[AllowAnonymous]
[IgnoreAntiforgeryToken]
public sealed class StatusModel : BastionPageModel
{
    public string Title { get; private set; } = "";

    public string Explanation { get; private set; } = "";

    public void OnGet(int code) => Describe(code);

    public void OnPost(int code) => Describe(code);

    private void Describe(int code) => (Title, Explanation) = code switch
    {
        400 => ("Bad request", "The request was refused. If you submitted a form, reload the page and try again (forms expire)."),
        403 => ("Not allowed", "Your roles do not include this page. Ask an admin if you need access."),
        404 => ("Not found", "There is no such page."),
        429 => ("Too many attempts", "Wait a minute before trying again."),
        _ => ("Something went wrong", "The server could not complete the request; the details are in its log."),
    };
}
