using System.Text;
using System.Text.RegularExpressions;
using Bastion.Core.Audit;
using Bastion.Core.Audit.Export;

namespace Bastion.Core.Tests.Audit.Export;

public sealed partial class Rfc5424FormatterTests
{
    [Fact]
    public void Header_and_structured_data_follow_rfc_5424()
    {
        var text = Encoding.UTF8.GetString(new Rfc5424Formatter(SyslogFacility.AuthPriv, "gw-1", "bastion", 4321).Format(ExportRecords.AuthSuccess()));

        var m = SyslogLine().Match(text);
        Assert.True(m.Success, text);
        Assert.Equal("86", m.Groups["pri"].Value); // authpriv (10) * 8 + informational (6)
        Assert.Equal("2030-01-02T03:04:05.123456Z", m.Groups["ts"].Value);
        Assert.Equal("gw-1", m.Groups["host"].Value);
        Assert.Equal("bastion", m.Groups["app"].Value);
        Assert.Equal("4321", m.Groups["proc"].Value);
        Assert.Equal("auth.success", m.Groups["msgid"].Value);
        Assert.Equal("auth.success alice from 127.0.20.5", m.Groups["msg"].Value);
        var sd = ParseStructuredData(m.Groups["sd"].Value);
        Assert.Equal("bastion@32473", sd.Id);
        Assert.Equal("42", sd.Params["seq"]);
        Assert.Equal("alice", sd.Params["user"]);
        Assert.Equal("127.0.20.5:41234", sd.Params["src"]);
        Assert.Equal("totp", sd.Params["mfa"]);
        Assert.Equal(new string('b', 64), sd.Params["hash"]);
    }

    [Theory]
    [InlineData("local0", AuditSeverity.Critical, 130)]
    [InlineData("auth", AuditSeverity.Warning, 36)]
    [InlineData("3", AuditSeverity.Notice, 29)]
    public void Pri_is_facility_times_8_plus_severity(string facility, AuditSeverity severity, int pri)
    {
        Assert.True(SyslogFacility.TryParse(facility, out var number));
        var text = Encoding.UTF8.GetString(new Rfc5424Formatter(number, "h", "a", 1).Format(ExportRecords.AuthSuccess(severity: severity)));
        Assert.StartsWith($"<{pri}>1 ", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Param_values_escape_quote_backslash_and_closing_bracket()
    {
        Assert.Equal("a\\\"b\\\\c\\]d[e", Rfc5424Formatter.EscapeParamValue("a\"b\\c]d[e"));

        var data = new Dictionary<string, string> { ["target"] = "we\"b]\\1", ["na=me]x\"y z"] = "v" };
        var text = Encoding.UTF8.GetString(new Rfc5424Formatter(10, "h", "a", 1).Format(ExportRecords.WithData(data)));
        var sd = ParseStructuredData(SyslogLine().Match(text).Groups["sd"].Value);
        Assert.Equal("we\"b]\\1", sd.Params["target"]);
        Assert.Equal("v", sd.Params["na_me_x_y_z"]);
    }

    [Fact]
    public void Non_ascii_message_starts_with_a_bom_and_header_fields_stay_printable()
    {
        var record = ExportRecords.AuthSuccess() with { User = "zoë" };
        var bytes = new Rfc5424Formatter(10, "my host", "bastion", 1).Format(record);
        var text = Encoding.UTF8.GetString(bytes);
        Assert.Contains(" my_host ", text, StringComparison.Ordinal);
        Assert.EndsWith("] \uFEFFauth.success zoë from 127.0.20.5", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Data_named_like_a_record_field_is_renamed()
    {
        var data = new Dictionary<string, string> { ["user"] = "spoofed", ["data_user"] = "x" };
        var text = Encoding.UTF8.GetString(new Rfc5424Formatter(10, "h", "a", 1).Format(ExportRecords.WithData(data)));
        var sd = ParseStructuredData(SyslogLine().Match(text).Groups["sd"].Value);
        Assert.Equal("bob", sd.Params["user"]);
        Assert.Equal("x", sd.Params["data_user"]);
        Assert.Equal("spoofed", sd.Params["data_user_2"]);
    }

    /// <summary>A strict SD-ELEMENT parser (RFC 5424 §6.3): unescapes \" \\ \] and rejects anything malformed.</summary>
    internal static (string Id, Dictionary<string, string> Params) ParseStructuredData(string sd)
    {
        Assert.StartsWith("[", sd, StringComparison.Ordinal);
        var i = 1;
        var id = ReadName(sd, ref i);
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
        while (sd[i] == ' ')
        {
            i++;
            var name = ReadName(sd, ref i);
            Assert.Equal('=', sd[i++]);
            Assert.Equal('"', sd[i++]);
            var value = new StringBuilder();
            while (sd[i] != '"')
            {
                if (sd[i] == '\\' && sd[i + 1] is '"' or '\\' or ']')
                {
                    i++;
                }
                else
                {
                    Assert.NotEqual(']', sd[i]); // an unescaped ] inside a value would end the element early
                }
                value.Append(sd[i++]);
            }
            i++;
            Assert.True(parameters.TryAdd(name, value.ToString()), $"repeated param {name}");
        }
        Assert.Equal(']', sd[i]);
        Assert.Equal(sd.Length - 1, i);
        return (id, parameters);
    }

    private static string ReadName(string sd, ref int i)
    {
        var start = i;
        while (sd[i] is > ' ' and <= '~' and not '=' and not ']' and not '"')
        {
            i++;
        }
        Assert.InRange(i - start, 1, 32);
        return sd[start..i];
    }

    /// <summary>HEADER SP STRUCTURED-DATA SP MSG; the SD group is one element ending at the first unescaped "]".</summary>
    [GeneratedRegex(@"^<(?<pri>\d{1,3})>1 (?<ts>\S+) (?<host>\S+) (?<app>\S+) (?<proc>\S+) (?<msgid>\S+) (?<sd>\[(?:[^\]\\""]|""(?:[^""\\]|\\.)*"")*\]) (?<msg>.*)$", RegexOptions.Singleline)]
    internal static partial Regex SyslogLine();
}
