using Bastion.Admin.Hosting;

// bastion-admin: the admin web app. Same configuration as the gateway (appsettings.json next to the binary,
// BASTION_CONFIG or /etc/bastion/bastion.json, Bastion__* environment variables, --Bastion:Key=value), plus
// --urls (default http://127.0.0.1:8443) and Bastion:Admin:PublicUrl (the URL people open; the WebAuthn origin).
try
{
    await using var app = AdminApp.Build(args);
    await app.RunAsync();
    return 0;
}
catch (AdminStartupException ex)
{
    Console.Error.WriteLine($"bastion-admin: {ex.Message}");
    return 2;
}
