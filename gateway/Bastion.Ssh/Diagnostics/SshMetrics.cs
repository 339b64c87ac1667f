using System.Diagnostics.Metrics;

namespace Bastion.Ssh.Diagnostics;

/// <summary>
/// The library's instruments on the meter "Bastion.Ssh": key exchange durations and accepted/refused connections.
/// Created from the host's <see cref="IMeterFactory"/> so the meter's lifetime is the host's, not a static one.
/// </summary>
internal sealed class SshMetrics
{
    public const string MeterName = "Bastion.Ssh";

    /// <summary>Kex takes about a millisecond (X25519) to tens of milliseconds (sntrup761, DH group16) plus round trips.</summary>
    private static readonly double[] KexBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private readonly Histogram<double> _kexDuration;
    private readonly Counter<long> _connections;

    public SshMetrics(IMeterFactory factory)
    {
        var meter = factory.Create(MeterName);
        _kexDuration = meter.CreateHistogram("kex.duration", "s",
            "Time from the server's KEXINIT to the client's NEWKEYS, by kex algorithm and phase (initial or rekey)",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = KexBuckets });
        _connections = meter.CreateCounter<long>("connections", null,
            "TCP connections accepted, or refused and why (pre-authentication limit, host refusal, open-file limit, accept failure, memory)");
    }

    public void KeyExchangeCompleted(string algorithm, bool initial, TimeSpan elapsed) =>
        _kexDuration.Record(elapsed.TotalSeconds, new("kex", algorithm), new("phase", initial ? "initial" : "rekey"));

    public void ConnectionAccepted() => _connections.Add(1, new KeyValuePair<string, object?>("result", "accepted"));

    /// <summary>Refusal reasons (the "reason" tag).</summary>
    public const string UnauthenticatedLimit = "unauthenticated_limit";
    public const string RefusedByHost = "refused_by_host";
    public const string DescriptorLimit = "fd_limit";
    public const string AcceptFailed = "accept_failed";
    public const string OutOfMemory = "out_of_memory";

    public void ConnectionRefused(string reason) =>
        _connections.Add(1, new KeyValuePair<string, object?>("result", "refused"), new KeyValuePair<string, object?>("reason", reason));
}
