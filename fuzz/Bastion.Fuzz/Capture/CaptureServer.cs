namespace Bastion.Fuzz.Capture;

internal static class CaptureServer
{
    public static Task<int> RunAsync(string[] args) => Task.FromResult(2);
}
