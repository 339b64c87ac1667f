using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;
using Prometheus;

namespace Bastion.Gateway.Observability;

/// <summary>
/// Publishes every System.Diagnostics.Metrics instrument of the meters named "Bastion.*" in Prometheus text format,
/// the only place that knows Prometheus. Names are meter + instrument, lower-cased with dots as underscores, plus
/// the unit ("s" → _seconds, "By" → _bytes) and _total for counters: meter "Bastion.Gateway", counter "relay.bytes"
/// (By) → bastion_gateway_relay_bytes_total. Unlike prometheus-net's own MeterAdapter, counters stay counters and
/// idle series never expire. Label sets are capped per metric so a runaway tag cannot exhaust memory.
/// </summary>
public sealed class PrometheusBridge : IDisposable
{
    public const string MeterPrefix = "Bastion.";

    /// <summary>Distinct label-value combinations kept per metric; further ones are dropped.</summary>
    public const int MaxSeriesPerMetric = 1000;

    private readonly CollectorRegistry _registry = Metrics.NewCustomRegistry();
    private readonly MetricFactory _factory;
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<Instrument, Series> _observables = new();
    private readonly Lock _collectLock = new();
    private long _generation;

    public PrometheusBridge(bool includeProcessMetrics = true)
    {
        _factory = Metrics.WithCustomRegistry(_registry);
        if (includeProcessMetrics)
        {
            DotNetStats.Register(_registry); // process CPU, memory, open handles, GC: "is the gateway itself healthy"
        }
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name.StartsWith(MeterPrefix, StringComparison.Ordinal))
            {
                var series = new Series(this, instrument);
                if (series.Observable)
                {
                    _observables[instrument] = series;
                }
                listener.EnableMeasurementEvents(instrument, series);
            }
        };
        _listener.MeasurementsCompleted = (instrument, _) => _observables.TryRemove(instrument, out var _);
        _listener.SetMeasurementEventCallback<byte>((i, v, t, s) => ((Series)s!).Record(v, t));
        _listener.SetMeasurementEventCallback<short>((i, v, t, s) => ((Series)s!).Record(v, t));
        _listener.SetMeasurementEventCallback<int>((i, v, t, s) => ((Series)s!).Record(v, t));
        _listener.SetMeasurementEventCallback<long>((i, v, t, s) => ((Series)s!).Record(v, t));
        _listener.SetMeasurementEventCallback<float>((i, v, t, s) => ((Series)s!).Record(v, t));
        _listener.SetMeasurementEventCallback<double>((i, v, t, s) => ((Series)s!).Record(v, t));
        _listener.SetMeasurementEventCallback<decimal>((i, v, t, s) => ((Series)s!).Record((double)v, t));
        _listener.Start();
        _registry.AddBeforeCollectCallback(CollectObservables);
    }

    /// <summary>Writes the current values in the Prometheus text exposition format (version 0.0.4).</summary>
    public Task WriteAsync(Stream destination, CancellationToken cancellationToken) =>
        _registry.CollectAndExportAsTextAsync(destination, cancellationToken);

    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    public void Dispose() => _listener.Dispose();

    /// <summary>Observable instruments report at scrape time; series they no longer report (a removed account) are dropped.</summary>
    private void CollectObservables()
    {
        lock (_collectLock)
        {
            var generation = ++_generation;
            _listener.RecordObservableInstruments();
            foreach (var series in _observables.Values)
            {
                series.RemoveOlderThan(generation);
            }
        }
    }

    internal static string PrometheusName(Instrument instrument)
    {
        // Instruments named in full ("bastion.alerts.raised" on meter "Bastion.Alerts") keep their name; short
        // ones ("active_sessions" on "Bastion.Gateway") get the meter's name in front.
        var qualified = instrument.Name.StartsWith(instrument.Meter.Name + ".", StringComparison.OrdinalIgnoreCase)
            ? instrument.Name
            : instrument.Meter.Name + "_" + instrument.Name;
        var name = Sanitize(qualified);
        var unitSuffix = instrument.Unit switch
        {
            "s" => "_seconds",
            "ms" => "_milliseconds",
            "By" => "_bytes",
            _ => "",
        };
        if (unitSuffix.Length > 0 && !name.EndsWith(unitSuffix, StringComparison.Ordinal))
        {
            name += unitSuffix;
        }
        if (Kind(instrument) is SeriesKind.Counter or SeriesKind.ObservableCounter && !name.EndsWith("_total", StringComparison.Ordinal))
        {
            name += "_total";
        }
        return name;
    }

    internal static string Sanitize(string name)
    {
        var builder = new StringBuilder(name.Length);
        foreach (var c in name)
        {
            builder.Append(char.IsAsciiLetterOrDigit(c) ? char.ToLowerInvariant(c) : '_');
        }
        if (builder.Length == 0 || char.IsAsciiDigit(builder[0]))
        {
            builder.Insert(0, '_');
        }
        return builder.ToString();
    }

    private static SeriesKind Kind(Instrument instrument)
    {
        var type = instrument.GetType();
        var definition = type.IsGenericType ? type.GetGenericTypeDefinition() : type;
        return definition switch
        {
            _ when definition == typeof(Counter<>) => SeriesKind.Counter,
            _ when definition == typeof(ObservableCounter<>) => SeriesKind.ObservableCounter,
            _ when definition == typeof(UpDownCounter<>) => SeriesKind.UpDownCounter,
            _ when definition == typeof(Histogram<>) => SeriesKind.Histogram,
            _ when definition == typeof(Gauge<>) || definition == typeof(ObservableGauge<>) || definition == typeof(ObservableUpDownCounter<>) => SeriesKind.Gauge,
            _ => SeriesKind.Unsupported,
        };
    }

    private static double[]? AdvisedBuckets(Instrument instrument) => instrument switch
    {
        Histogram<double> h => h.Advice?.HistogramBucketBoundaries?.ToArray(),
        Histogram<float> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToArray(),
        Histogram<long> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToArray(),
        Histogram<int> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToArray(),
        _ => null,
    };

    private enum SeriesKind { Unsupported, Counter, ObservableCounter, UpDownCounter, Gauge, Histogram }

    /// <summary>One instrument's Prometheus metric, created at its first measurement (that is when its label names are known).</summary>
    private sealed class Series(PrometheusBridge bridge, Instrument instrument)
    {
        private readonly SeriesKind _kind = Kind(instrument);
        private readonly ConcurrentDictionary<string, Child> _children = new(StringComparer.Ordinal);
        private readonly Lock _createLock = new();
        private Collector? _metric;
        private string[]? _tagKeys;

        public bool Observable => _kind is SeriesKind.ObservableCounter || instrument.IsObservable;

        public void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            if (_kind == SeriesKind.Unsupported || double.IsNaN(value))
            {
                return;
            }
            var metric = _metric ?? Create(tags);
            if (metric is null || !SameKeys(tags))
            {
                return; // a label set the metric was not created with: Prometheus cannot mix them in one metric
            }
            var key = Key(tags);
            if (!_children.TryGetValue(key, out var child))
            {
                if (_children.Count >= MaxSeriesPerMetric)
                {
                    return;
                }
                child = _children.GetOrAdd(key, new Child(Labelled(metric, tags)));
            }
            child.Generation = Volatile.Read(ref bridge._generation);
            switch (child.Metric)
            {
                case Counter.Child counter when _kind == SeriesKind.ObservableCounter:
                    counter.IncTo(value);
                    break;
                case Counter.Child counter when value >= 0:
                    counter.Inc(value);
                    break;
                case Gauge.Child gauge when _kind == SeriesKind.UpDownCounter:
                    gauge.Inc(value);
                    break;
                case Gauge.Child gauge:
                    gauge.Set(value);
                    break;
                case Histogram.Child histogram:
                    histogram.Observe(value);
                    break;
            }
        }

        public void RemoveOlderThan(long generation)
        {
            foreach (var (key, child) in _children)
            {
                if (child.Generation < generation && _children.TryRemove(key, out _))
                {
                    ((ChildBase)child.Metric).Remove();
                }
            }
        }

        private Collector? Create(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var keys = new string[tags.Length];
            for (var i = 0; i < tags.Length; i++)
            {
                keys[i] = tags[i].Key;
            }
            lock (_createLock)
            {
                if (_metric is not null)
                {
                    return _metric;
                }
                var name = PrometheusName(instrument);
                var help = string.IsNullOrWhiteSpace(instrument.Description) ? instrument.Name : instrument.Description;
                var labels = keys.Select(Sanitize).ToArray();
                try
                {
                    _metric = _kind switch
                    {
                        SeriesKind.Counter or SeriesKind.ObservableCounter => bridge._factory.CreateCounter(name, help, labels),
                        SeriesKind.Histogram => bridge._factory.CreateHistogram(name, help, labels,
                            new HistogramConfiguration { Buckets = AdvisedBuckets(instrument) ?? Histogram.ExponentialBuckets(0.005, 2, 12) }),
                        _ => bridge._factory.CreateGauge(name, help, labels),
                    };
                }
                catch (InvalidOperationException)
                {
                    return null; // same name, other type or labels (two meters disagreeing): keep the first
                }
                _tagKeys = keys;
                return _metric;
            }
        }

        private bool SameKeys(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var keys = _tagKeys!;
            if (keys.Length != tags.Length)
            {
                return false;
            }
            for (var i = 0; i < keys.Length; i++)
            {
                if (!string.Equals(keys[i], tags[i].Key, StringComparison.Ordinal))
                {
                    return false;
                }
            }
            return true;
        }

        private static string Value(object? tag) => Convert.ToString(tag, CultureInfo.InvariantCulture) ?? "";

        private static string Key(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            if (tags.Length == 0)
            {
                return "";
            }
            if (tags.Length == 1)
            {
                return Value(tags[0].Value);
            }
            var builder = new StringBuilder();
            foreach (var tag in tags)
            {
                builder.Append(Value(tag.Value)).Append('\u0001');
            }
            return builder.ToString();
        }

        private static object Labelled(Collector metric, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var values = new string[tags.Length];
            for (var i = 0; i < tags.Length; i++)
            {
                values[i] = Value(tags[i].Value);
            }
            return metric switch
            {
                Counter c => c.WithLabels(values),
                Gauge g => g.WithLabels(values),
                Histogram h => h.WithLabels(values),
                _ => throw new InvalidOperationException($"unexpected collector {metric.GetType().Name}"),
            };
        }
    }

    private sealed class Child(object metric)
    {
        public object Metric { get; } = metric;

        public long Generation { get; set; }
    }
}
