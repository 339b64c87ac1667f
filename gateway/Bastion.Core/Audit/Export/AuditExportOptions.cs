namespace Bastion.Core.Audit.Export;

/// <summary>
/// Where audit records are forwarded besides the store (section Bastion:Audit:Export). One section per kind of
/// receiver, each off unless Enabled, so an operator reads at a glance what goes where. Mutable for configuration
/// binding; <see cref="Validate"/> reports every problem with the key to fix.
/// </summary>
public sealed class AuditExportOptions
{
    public const string Section = "Bastion:Audit:Export";

    /// <summary>The "host" of GELF messages and HOSTNAME of syslog messages; empty: this machine's name.</summary>
    public string? HostName { get; set; }

    /// <summary>At most one "records dropped" or "cannot send" warning per exporter in this many seconds.</summary>
    public int WarningIntervalSeconds { get; set; } = 10;

    /// <summary>How long shutdown waits for queued records to be sent before giving up on them (counted as dropped).</summary>
    public int DrainSeconds { get; set; } = 3;

    /// <summary>One line per event on standard output, for journald (Bastion:Audit:Export:Stdout).</summary>
    public StdoutExportOptions Stdout { get; set; } = new();

    /// <summary>GELF 1.1 to Graylog over UDP or TCP (Bastion:Audit:Export:Gelf).</summary>
    public GelfExportOptions Gelf { get; set; } = new();

    /// <summary>RFC 5424 syslog over UDP or TCP (Bastion:Audit:Export:Syslog).</summary>
    public SyslogExportOptions Syslog { get; set; } = new();

    /// <summary>The HOSTNAME/host field actually sent.</summary>
    public string EffectiveHostName => string.IsNullOrWhiteSpace(HostName) ? Environment.MachineName : HostName;

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (WarningIntervalSeconds is < 1 or > 3600)
        {
            errors.Add($"{Section}:WarningIntervalSeconds {WarningIntervalSeconds} is outside 1..3600");
        }
        if (DrainSeconds is < 0 or > 300)
        {
            errors.Add($"{Section}:DrainSeconds {DrainSeconds} is outside 0..300");
        }
        if (!string.IsNullOrEmpty(HostName) && (HostName.Length > 255 || HostName.Any(c => c is <= ' ' or > '~')))
        {
            errors.Add($"{Section}:HostName \"{HostName}\" must be 1..255 printable ASCII characters without spaces (syslog HOSTNAME)");
        }
        if (Stdout.Enabled)
        {
            CheckQueue(errors, $"{Section}:Stdout", Stdout.QueueCapacity);
        }
        if (Gelf.Enabled)
        {
            Gelf.ValidateInto(errors, $"{Section}:Gelf");
            if (Gelf.MaxChunkSize is < GelfChunker.MinChunkSize or > GelfChunker.MaxDatagramSize)
            {
                errors.Add($"{Section}:Gelf:MaxChunkSize {Gelf.MaxChunkSize} is outside {GelfChunker.MinChunkSize}..{GelfChunker.MaxDatagramSize} (1420 suits a WAN path, 8192 a LAN)");
            }
        }
        if (Syslog.Enabled)
        {
            Syslog.ValidateInto(errors, $"{Section}:Syslog");
            if (!SyslogFacility.TryParse(Syslog.Facility, out _))
            {
                errors.Add($"{Section}:Syslog:Facility \"{Syslog.Facility}\" is not a syslog facility (use a name such as authpriv, auth, daemon, local0..local7, or a number 0..23)");
            }
            if (string.IsNullOrEmpty(Syslog.AppName) || Syslog.AppName.Length > 48 || Syslog.AppName.Any(c => c is <= ' ' or > '~'))
            {
                errors.Add($"{Section}:Syslog:AppName \"{Syslog.AppName}\" must be 1..48 printable ASCII characters without spaces (RFC 5424 APP-NAME)");
            }
        }
        return errors;
    }

    internal static void CheckQueue(List<string> errors, string section, int capacity)
    {
        if (capacity is < 1 or > 1_000_000)
        {
            errors.Add($"{section}:QueueCapacity {capacity} is outside 1..1000000");
        }
    }
}

/// <summary>How records reach a network receiver.</summary>
public enum ExportTransport
{
    Udp,
    Tcp,
}

/// <summary>Standard output for journald: one line per event, a "&lt;N&gt;" level prefix journald turns into PRIORITY.</summary>
public sealed class StdoutExportOptions
{
    public bool Enabled { get; set; }

    /// <summary>Start each line with the syslog level as "&lt;6&gt;", which journald (SyslogLevelPrefix=yes) strips and keeps as PRIORITY.</summary>
    public bool LevelPrefix { get; set; } = true;

    public int QueueCapacity { get; set; } = 10_000;
}

/// <summary>Settings shared by the network exporters.</summary>
public abstract class NetworkExportOptions
{
    public bool Enabled { get; set; }

    public ExportTransport Transport { get; set; } = ExportTransport.Udp;

    /// <summary>Receiver host name or address.</summary>
    public string Host { get; set; } = "";

    public abstract int Port { get; set; }

    /// <summary>Records held in memory while the receiver is slow or away; beyond it the oldest are dropped.</summary>
    public int QueueCapacity { get; set; } = 10_000;

    public int ConnectTimeoutSeconds { get; set; } = 5;

    /// <summary>TCP: a write that makes no progress this long counts as a dead receiver; the connection is remade.</summary>
    public int SendTimeoutSeconds { get; set; } = 10;

    /// <summary>
    /// TCP: the socket send buffer. Bounded so that a receiver which stops reading is noticed after this much
    /// rather than after the kernel's autotuned megabytes (and so memory stays bounded).
    /// </summary>
    public int SendBufferBytes { get; set; } = 64 * 1024;

    internal void ValidateInto(List<string> errors, string section)
    {
        if (string.IsNullOrWhiteSpace(Host))
        {
            errors.Add($"{section}:Host is empty; set the receiver's host name or address (or set {section}:Enabled=false)");
        }
        if (Port is < 1 or > 65535)
        {
            errors.Add($"{section}:Port {Port} is outside 1..65535");
        }
        if (!Enum.IsDefined(Transport))
        {
            errors.Add($"{section}:Transport \"{Transport}\" is not udp or tcp");
        }
        AuditExportOptions.CheckQueue(errors, section, QueueCapacity);
        if (ConnectTimeoutSeconds is < 1 or > 300)
        {
            errors.Add($"{section}:ConnectTimeoutSeconds {ConnectTimeoutSeconds} is outside 1..300");
        }
        if (SendTimeoutSeconds is < 1 or > 3600)
        {
            errors.Add($"{section}:SendTimeoutSeconds {SendTimeoutSeconds} is outside 1..3600");
        }
        if (SendBufferBytes is < 1024 or > 16 * 1024 * 1024)
        {
            errors.Add($"{section}:SendBufferBytes {SendBufferBytes} is outside 1024..16777216");
        }
    }
}

/// <summary>GELF 1.1 (Graylog): UDP datagrams, chunked above <see cref="MaxChunkSize"/>, or null-byte framed TCP.</summary>
public sealed class GelfExportOptions : NetworkExportOptions
{
    public override int Port { get; set; } = 12201;

    /// <summary>Largest UDP datagram sent, chunk header included; longer messages are split into GELF chunks.</summary>
    public int MaxChunkSize { get; set; } = 8192;
}

/// <summary>RFC 5424 syslog: one message per UDP datagram, or RFC 6587 octet-counted frames over TCP.</summary>
public sealed class SyslogExportOptions : NetworkExportOptions
{
    public override int Port { get; set; } = 514;

    /// <summary>Facility name (authpriv, auth, daemon, local0..local7, …) or number 0..23.</summary>
    public string Facility { get; set; } = "authpriv";

    /// <summary>RFC 5424 APP-NAME.</summary>
    public string AppName { get; set; } = "bastion";
}
