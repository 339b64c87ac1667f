using System.Net;
using Bastion.Admin.Tests.Infrastructure;

namespace Bastion.Admin.Tests;

/// <summary>The admin app's load-balancer check answers without a login and gives nothing else away.</summary>
public sealed class HealthTests
{
    [Fact]
    public async Task Healthz_answers_ok_anonymously_without_cookies_while_pages_still_need_a_login()
    {
        await using var web = await AdminAppHost.StartAsync();
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri(web.BaseUrl) };

        using var health = await http.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal("ok\n", await health.Content.ReadAsStringAsync());
        Assert.False(health.Headers.Contains("Set-Cookie"));
        Assert.Equal("no-store", health.Headers.CacheControl?.ToString());

        using var page = await http.GetAsync("/admin/users");
        Assert.NotEqual(HttpStatusCode.OK, page.StatusCode);
    }
}
