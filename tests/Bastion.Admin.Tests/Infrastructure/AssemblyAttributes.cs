[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
// Each test class starts its own app and browser; two cores do not gain from running them side by side.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
