using System.Text.Json;
using System.Text.RegularExpressions;
using Bastion.Core.Audit;
using Bastion.Core.Audit.Export;

namespace Bastion.Core.Tests.Audit.Export;

public sealed partial class GelfFormatterTests
{
    [Fact]
    public void Output_is_gelf_1_1_with_the_required_and_additional_fields()
    {
        var json = Parse(new GelfFormatter("gw-1").Format(ExportRecords.AuthSuccess()));

        Assert.Equal("1.1", json.GetProperty("version").GetString());
        Assert.Equal("gw-1", json.GetProperty("host").GetString());
        Assert.Equal("auth.success alice from 127.0.20.5", json.GetProperty("short_message").GetString());
        Assert.Equal(JsonValueKind.Number, json.GetProperty("timestamp").ValueKind);
        Assert.Equal(ExportRecords.Time.ToUnixTimeMilliseconds() / 1000m, json.GetProperty("timestamp").GetDecimal());
        Assert.Equal(6, json.GetProperty("level").GetInt32());
        Assert.Equal("auth.success", json.GetProperty("_type").GetString());
        Assert.Equal(42, json.GetProperty("_seq").GetInt64());
        Assert.Equal(new string('b', 64), json.GetProperty("_hash").GetString());
        Assert.Equal(new string('a', 64), json.GetProperty("_prev_hash").GetString());
        Assert.Equal("2030-01-02T03:04:05.1234567Z", json.GetProperty("_ts").GetString());
        Assert.Equal("sess-1", json.GetProperty("_session_id").GetString());
        Assert.Equal("alice", json.GetProperty("_user").GetString());
        Assert.Equal("127.0.20.5", json.GetProperty("_src_ip").GetString());
        Assert.Equal(41234, json.GetProperty("_src_port").GetInt32());
        Assert.Equal("totp", json.GetProperty("_mfa").GetString());
        AssertGelfFieldNames(json);
    }

    [Theory]
    [InlineData(AuditSeverity.Info, 6)]
    [InlineData(AuditSeverity.Notice, 5)]
    [InlineData(AuditSeverity.Warning, 4)]
    [InlineData(AuditSeverity.Critical, 2)]
    public void Level_is_the_syslog_severity(AuditSeverity severity, int level)
    {
        var json = Parse(new GelfFormatter("h").Format(ExportRecords.AuthSuccess(severity: severity)));
        Assert.Equal(level, json.GetProperty("level").GetInt32());
    }

    [Fact]
    public void Data_keys_are_sanitized_never_id_never_clash_with_record_fields_and_never_repeat()
    {
        var data = new Dictionary<string, string>
        {
            ["target"] = "web-1",
            ["instance_id"] = "i-0abc",
            ["account"] = "dev-a",
            ["id"] = "x",
            ["user"] = "spoofed",
            ["bad key/ü"] = "1",
            ["bad_key__"] = "2",
            ["quote\"key"] = "line\nbreak \"quoted\"",
        };
        var json = Parse(new GelfFormatter("h").Format(ExportRecords.WithData(data)));

        Assert.Equal("channel.open bob from ::1 to web-1", json.GetProperty("short_message").GetString());
        Assert.Equal("::1", json.GetProperty("_src_ip").GetString());
        Assert.Equal(2200, json.GetProperty("_src_port").GetInt32());
        Assert.Equal("web-1", json.GetProperty("_target").GetString());
        Assert.Equal("i-0abc", json.GetProperty("_instance_id").GetString());
        Assert.Equal("dev-a", json.GetProperty("_account").GetString());
        Assert.False(json.TryGetProperty("_id", out _));
        Assert.Equal("x", json.GetProperty("_data_id").GetString());
        Assert.Equal("bob", json.GetProperty("_user").GetString());
        Assert.Equal("spoofed", json.GetProperty("_data_user").GetString());
        Assert.Equal("line\nbreak \"quoted\"", json.GetProperty("_quote_key").GetString());
        var names = json.EnumerateObject().Select(p => p.Name).ToList();
        Assert.Equal(names.Count, names.Distinct(StringComparer.Ordinal).Count());
        Assert.Contains("_bad_key__", names);
        Assert.Contains("_data_bad_key__", names); // the second key that sanitizes to the same name
        AssertGelfFieldNames(json);
    }

    [Fact]
    public void A_record_without_user_or_source_omits_those_fields()
    {
        var record = ExportRecords.WithData(new Dictionary<string, string>(), source: null) with { User = null, SessionId = null };
        var json = Parse(new GelfFormatter("h").Format(record));
        Assert.Equal("channel.open", json.GetProperty("short_message").GetString());
        Assert.False(json.TryGetProperty("_user", out _));
        Assert.False(json.TryGetProperty("_src_ip", out _));
        Assert.False(json.TryGetProperty("_session_id", out _));
    }

    /// <summary>GELF: additional fields start with "_", match ^[\w\.\-]*$, and "_id" is not allowed.</summary>
    internal static void AssertGelfFieldNames(JsonElement json)
    {
        string[] required = ["version", "host", "short_message"];
        foreach (var name in required)
        {
            Assert.True(json.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString()!.Length > 0, $"GELF field {name} missing or empty in {json}");
        }
        foreach (var property in json.EnumerateObject())
        {
            if (property.Name is "version" or "host" or "short_message" or "full_message" or "timestamp" or "level")
            {
                continue;
            }
            Assert.StartsWith("_", property.Name, StringComparison.Ordinal);
            Assert.Matches(GelfFieldName(), property.Name);
            Assert.NotEqual("_id", property.Name);
            Assert.True(property.Value.ValueKind is JsonValueKind.String or JsonValueKind.Number, $"{property.Name} is {property.Value.ValueKind}");
        }
    }

    internal static JsonElement Parse(byte[] message)
    {
        Assert.DoesNotContain((byte)0, message);
        using var document = JsonDocument.Parse(message);
        return document.RootElement.Clone();
    }

    [GeneratedRegex(@"^[A-Za-z0-9_\.\-]*$")]
    private static partial Regex GelfFieldName();
}
